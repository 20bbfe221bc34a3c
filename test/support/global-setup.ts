/**
 * Starts one DynamoDB Local (in memory) on a free loopback port for the whole test run and creates
 * the provider's table in it, exactly as `npm start` does.
 */
import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';
import { TEST_TABLE_NAME } from './constants.js';
import { seedDemoUsers } from '../../local/seed.js';
import { createProviderTable, localDynamoDbClient, startDynamoDbLocal, type RunningDynamoDb } from '../../local/dynamodb-local.js';


function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

let dynamodb: RunningDynamoDb | undefined;

export async function setup(project: TestProject): Promise<void> {
  dynamodb = await startDynamoDbLocal({ port: await freePort() });
  const client = localDynamoDbClient(dynamodb.endpoint);
  await createProviderTable(client, TEST_TABLE_NAME);
  await seedDemoUsers(client, TEST_TABLE_NAME);
  client.destroy();
  project.provide('dynamoDbEndpoint', dynamodb.endpoint);
}

export async function teardown(): Promise<void> {
  await dynamodb?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}
