/**
 * `npm start`: the whole provider on this machine. DynamoDB Local, the table, demo users, and every
 * route of the route table served through the same Lambda handlers and events as in AWS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUTOMATED_APPROVAL_TEMPLATE, endpointPaths, type Feature } from '../lambdas/routes.js';
import { createProviderTable, localDynamoDbClient, startDynamoDbLocal } from './dynamodb-local.js';
import { applyEnvironment, initialAccessTokenFile, lambdaEnvironment, readLocalOptions } from './options.js';
import { seedDemoUsers } from './seed.js';
import { startServer } from './server.js';
import { walkthrough } from './walkthrough.js';
import { startLocalWorkers, type LocalWorkers } from './workers.js';

const options = readLocalOptions();
const dynamodb = await startDynamoDbLocal({ port: options.dynamoDbPort, dataDir: join(options.dataDir, 'dynamodb') });

let workers: LocalWorkers | undefined;
const stopAll = async (): Promise<void> => {
  await workers?.stop();
  await dynamodb.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stopAll());
process.once('SIGTERM', () => void stopAll());

try {
  const client = localDynamoDbClient(dynamodb.endpoint);
  await createProviderTable(client, options.tableName);
  await seedDemoUsers(client, options.tableName);
  client.destroy();

  applyEnvironment(
    lambdaEnvironment({
      issuer: options.issuer,
      tableName: options.tableName,
      dynamoDbEndpoint: dynamodb.endpoint,
      initialAccessToken: options.initialAccessToken,
    }),
  );
  mkdirSync(options.dataDir, { recursive: true });
  writeFileSync(initialAccessTokenFile(options.dataDir), `${options.initialAccessToken}\n`, { mode: 0o600 });
  workers = await startLocalWorkers({ dynamoDbEndpoint: dynamodb.endpoint, tableName: options.tableName });
  const features = new Set<Feature>(['simulator', 'automatedApproval']);
  await startServer({ port: options.port, host: options.host, features });

  const i = options.issuer;
  console.log(`
CIBA provider running (local runner, DynamoDB Local at ${dynamodb.endpoint})

  Issuer                  ${i}
  Discovery               ${i}${endpointPaths.discovery}
  Initial access token    ${options.initialAccessToken}${options.initialAccessTokenGenerated ? '   (generated; set CIBA_INITIAL_ACCESS_TOKEN to fix it)' : ''}
  Simulator               ${i}${endpointPaths.simulator}
  Automated approval      POST ${i}${AUTOMATED_APPROVAL_TEMPLATE}
  Demo users              jane.doe, demo, John
  Try it                  npx ciba demo   (in another terminal; approve in the simulator)
  Data                    ${options.dataDir}

${walkthrough(i, options.initialAccessToken)}
Ctrl-C stops the provider and DynamoDB Local.
`);
} catch (error) {
  console.error(error);
  await dynamodb.stop();
  process.exit(1);
}
