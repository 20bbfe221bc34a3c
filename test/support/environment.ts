/**
 * Runs in every test file before it loads: the Lambda environment of the local runner, pointed at the
 * run's DynamoDB Local, with a signing key and demo users. Handlers read it through lambdas/config.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { applyEnvironment, lambdaEnvironment } from '../../local/options.js';
import { TEST_INITIAL_ACCESS_TOKEN, TEST_ISSUER, TEST_TABLE_NAME } from './constants.js';

applyEnvironment(
  lambdaEnvironment({
    issuer: TEST_ISSUER,
    tableName: TEST_TABLE_NAME,
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    keyFile: join(mkdtempSync(join(tmpdir(), 'ciba-test-')), 'signing-key.json'),
    initialAccessToken: TEST_INITIAL_ACCESS_TOKEN,
  }),
);
