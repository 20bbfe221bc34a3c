/**
 * The repositories on the provider's DynamoDB table, made once per process on first use.
 */
import type { Config } from '../config.js';
import type { AuthRequestRepository, ClientRepository, DeadLetterRepository, DeviceRepository, JwksSource, ReplayGuard, UserDirectory } from '../core/ports.js';
import { systemClock } from '../core/ports.js';
import { CachedClientRepository } from './cached-client-repository.js';
import { DynamoDbAuthRequestRepository } from './dynamodb/auth-request-repository.js';
import { DynamoDbClientRepository } from './dynamodb/client-repository.js';
import { DynamoDbDeviceRepository } from './dynamodb/device-repository.js';
import { dynamoDbClient } from './dynamodb/dynamodb-client.js';
import { DynamoDbUserDirectory } from './dynamodb/user-directory.js';
import { DynamoDbReplayGuard } from './dynamodb/replay-guard.js';
import { DynamoDbDeadLetterRepository } from './dynamodb/dead-letter-repository.js';
import { DynamoDbRefreshTokenRepository } from './dynamodb/refresh-token-repository.js';
import type { RefreshTokenRepository } from '../core/ports.js';
import { DynamoDbRefreshGrantStatus, DynamoDbRevocationList } from './dynamodb/revocation-list.js';
import type { RevocationList } from '../core/ports.js';
import type { RefreshGrantStatus } from '../core/introspection/active-refresh-token.js';
import { FetchingJwksSource } from './http/jwks-fetcher.js';

export interface TableRepositories {
  readonly clients: ClientRepository;
  readonly users: UserDirectory;
  readonly authRequests: AuthRequestRepository;
  readonly devices: DeviceRepository;
  readonly replay: ReplayGuard;
  readonly deadLetters: DeadLetterRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly revocations: RevocationList;
  readonly refreshGrants: RefreshGrantStatus;
  /** Not the table's, but every table user that authenticates clients needs it too. */
  readonly jwks: JwksSource;
}

let repositories: TableRepositories | undefined;

export function tableRepositories(config: Config): TableRepositories {
  if (!repositories) {
    const dynamodb = dynamoDbClient(config);
    const name = config.table.name;
    repositories = {
      clients: new CachedClientRepository(new DynamoDbClientRepository(dynamodb, name), config.clientCacheSeconds, systemClock),
      users: new DynamoDbUserDirectory(dynamodb, name),
      authRequests: new DynamoDbAuthRequestRepository(dynamodb, name, { expiredRetentionSeconds: config.authRequest.expiredRetentionSeconds, userLimits: config.userLimits }),
      devices: new DynamoDbDeviceRepository(dynamodb, name),
      replay: new DynamoDbReplayGuard(dynamodb, name),
      deadLetters: new DynamoDbDeadLetterRepository(dynamodb, name),
      refreshTokens: new DynamoDbRefreshTokenRepository(dynamodb, name),
      revocations: new DynamoDbRevocationList(dynamodb, name),
      refreshGrants: new DynamoDbRefreshGrantStatus(dynamodb, name),
      jwks: new FetchingJwksSource(),
    };
  }
  return repositories;
}
