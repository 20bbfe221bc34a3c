import { awsCredentials, type Config } from '../../config.js';
import { LeanDynamoDbClient } from './lean-dynamodb-client.js';
import type { DynamoDb } from './operations.js';

let client: DynamoDb | undefined;

/**
 * One client per process, made on first use (cold-start work stays out of module initialisation): the
 * lean client, signing with the function's credentials from the environment.
 */
export function dynamoDbClient(config: Pick<Config, 'region' | 'table'>): DynamoDb {
  const { endpoint } = config.table;
  client ??= new LeanDynamoDbClient({ region: config.region, credentials: awsCredentials(), ...(endpoint ? { endpoint } : {}) });
  return client;
}

/** The benchmark's way in: its own client (one that counts requests), installed before any handler runs. */
export function useDynamoDbClient(replacement: DynamoDb): void {
  client = replacement;
}
