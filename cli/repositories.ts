/**
 * The CLI's repositories on the target table: the provider's own DynamoDB repositories, over the SDK's
 * DynamoDBClient. The CLI runs on an operator's machine with their credential chain (profiles, SSO),
 * which the SDK resolves; the Lambda handlers use the lean client instead (dynamodb-client.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAuthRequestRepository } from '../lambdas/adapters/dynamodb/auth-request-repository.js';
import { DynamoDbClientRepository } from '../lambdas/adapters/dynamodb/client-repository.js';
import { DynamoDbDeadLetterRepository } from '../lambdas/adapters/dynamodb/dead-letter-repository.js';
import { DynamoDbDeviceRepository } from '../lambdas/adapters/dynamodb/device-repository.js';
import { DynamoDbEvidenceRepository } from '../lambdas/adapters/dynamodb/evidence-repository.js';
import { sdkDynamoDb } from '../lambdas/adapters/dynamodb/sdk-dynamodb.js';
import { DynamoDbUserDirectory } from '../lambdas/adapters/dynamodb/user-directory.js';

export interface CliRepositories {
  readonly clients: DynamoDbClientRepository;
  readonly users: DynamoDbUserDirectory;
  readonly devices: DynamoDbDeviceRepository;
  readonly evidence: DynamoDbEvidenceRepository;
  readonly authRequests: DynamoDbAuthRequestRepository;
  readonly deadLetters: DynamoDbDeadLetterRepository;
  /** Closes the SDK client's connections. */
  destroy(): void;
}

export function cliRepositories(target: { readonly region: string; readonly endpoint?: string; readonly tableName: string }): CliRepositories {
  const client = new DynamoDBClient({ region: target.region, ...(target.endpoint ? { endpoint: target.endpoint } : {}) });
  const dynamodb = sdkDynamoDb(client);
  const table = target.tableName;
  return {
    clients: new DynamoDbClientRepository(dynamodb, table),
    users: new DynamoDbUserDirectory(dynamodb, table),
    devices: new DynamoDbDeviceRepository(dynamodb, table),
    evidence: new DynamoDbEvidenceRepository(dynamodb, table),
    // The operator reads and re-drives requests; nothing the CLI writes sets an expiry.
    authRequests: new DynamoDbAuthRequestRepository(dynamodb, table, { expiredRetentionSeconds: 0 }),
    deadLetters: new DynamoDbDeadLetterRepository(dynamodb, table),
    destroy: () => client.destroy(),
  };
}
