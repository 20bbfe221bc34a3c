/**
 * Runs in every test file before it loads: the Lambda environment of the local runner, pointed at the
 * run's DynamoDB Local, with demo users (the signing keys are made in the table on first use). Handlers read it through lambdas/config.ts.
 */
import { inject } from 'vitest';
import { applyEnvironment, lambdaEnvironment } from '../../local/options.js';
import { TEST_INITIAL_ACCESS_TOKEN, TEST_ISSUER, TEST_TABLE_NAME } from './constants.js';

applyEnvironment(
  lambdaEnvironment({
    issuer: TEST_ISSUER,
    tableName: TEST_TABLE_NAME,
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    initialAccessToken: TEST_INITIAL_ACCESS_TOKEN,
  }),
);

// The handlers' INFO line per request would bury the test report; warnings and errors still show.
// test/integration/observability-logs.test.ts sets INFO for itself: it is the test of those lines.
process.env.LOG_LEVEL = 'WARN';
