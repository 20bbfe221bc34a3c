/**
 * The one place the CLI builds repositories: the provider's own DynamoDB repositories, on the table the
 * target names (DynamoDB Local of `npm start`, or a deployed stack's table with your AWS credentials).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAuthRequestRepository } from '../lambdas/adapters/dynamodb/auth-request-repository.js';
import { DynamoDbClientRepository } from '../lambdas/adapters/dynamodb/client-repository.js';
import { DynamoDbDeadLetterRepository } from '../lambdas/adapters/dynamodb/dead-letter-repository.js';
import { DynamoDbDeviceRepository } from '../lambdas/adapters/dynamodb/device-repository.js';
import { DynamoDbEvidenceRepository } from '../lambdas/adapters/dynamodb/evidence-repository.js';
import { DynamoDbUserDirectory } from '../lambdas/adapters/dynamodb/user-directory.js';
import { sdkDynamoDb } from '../lambdas/adapters/dynamodb/sdk-dynamodb.js';
import { DynamoDbKeyRingStore } from '../lambdas/adapters/dynamodb/key-ring-store.js';
import type { Target } from './options.js';

export interface CliRepositories {
  readonly clients: DynamoDbClientRepository;
  readonly users: DynamoDbUserDirectory;
  readonly devices: DynamoDbDeviceRepository;
  readonly authRequests: DynamoDbAuthRequestRepository;
  readonly evidence: DynamoDbEvidenceRepository;
  readonly deadLetters: DynamoDbDeadLetterRepository;
  readonly keyRing: DynamoDbKeyRingStore;
  /** Releases the DynamoDB client's sockets, so the process can exit. */
  close(): void;
}

export function openRepositories(target: Target): CliRepositories {
  // The SDK, not the lean client: the CLI runs with the operator's whole credential chain (profiles, SSO).
  const client = new DynamoDBClient({ region: target.region, ...(target.endpoint ? { endpoint: target.endpoint } : {}) });
  const dynamodb = sdkDynamoDb(client);
  const table = target.tableName;
  return {
    clients: new DynamoDbClientRepository(dynamodb, table),
    users: new DynamoDbUserDirectory(dynamodb, table),
    devices: new DynamoDbDeviceRepository(dynamodb, table),
    // The retention only sets the TTL of requests the repository creates, and the CLI creates none.
    authRequests: new DynamoDbAuthRequestRepository(dynamodb, table, { expiredRetentionSeconds: 0 }),
    evidence: new DynamoDbEvidenceRepository(dynamodb, table),
    deadLetters: new DynamoDbDeadLetterRepository(dynamodb, table),
    keyRing: new DynamoDbKeyRingStore(dynamodb, table),
    close: () => client.destroy(),
  };
}
