import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../../config.js';

let client: DynamoDBClient | undefined;

/** One client per process, made on first use (cold-start work stays out of module initialisation). */
export function dynamoDbClient(config: Pick<Config, 'region' | 'table'>): DynamoDBClient {
  const { endpoint } = config.table;
  client ??= new DynamoDBClient({ region: config.region, ...(endpoint ? { endpoint } : {}) });
  return client;
}
