/**
 * The notification pipeline of ping and push (CIBA Core §10.2, §10.3) for integration tests: DynamoDB
 * Local's real table stream, the real dispatcher and delivery handlers (local/workers.ts), and the
 * operator CLI run as a child process.
 *
 * Each test file that starts workers uses a table of its own. The workers read a table's whole stream,
 * so two files' workers on the shared table would each deliver the other file's notifications too (a
 * second POST to every receiver); a table per file keeps every delivery in the file that caused it.
 * Call `useOwnTable` at the top of the file, before any handler reads the configuration.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { DynamoDbAuthRequestRepository } from '../../lambdas/adapters/dynamodb/auth-request-repository.js';
import { DynamoDbDeadLetterRepository } from '../../lambdas/adapters/dynamodb/dead-letter-repository.js';
import type { AuthRequest, DeliveryRecord } from '../../lambdas/core/model.js';
import { createProviderTable, localDynamoDbClient } from '../../local/dynamodb-local.js';
import { seedDemoUsers } from '../../local/seed.js';
import { startLocalWorkers } from '../../local/workers.js';
import { eventually, startReceiver, type Receiver } from './receiver.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

const projectRoot = resolve(import.meta.dirname, '../..');

/** Points this file's handlers at a table of its own (`ciba-test-<label>-<random>`); returns its name. */
export function useOwnTable(label: string): string {
  const name = `ciba-test-${label}-${randomBytes(4).toString('hex')}`;
  process.env.CIBA_TABLE_NAME = name;
  return name;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NotificationPipeline {
  readonly endpoint: string;
  readonly tableName: string;
  readonly dynamodb: DynamoDBClient;
  readonly authRequests: DynamoDbAuthRequestRepository;
  readonly deadLetters: DynamoDbDeadLetterRepository;
  /** The stored request, once `accept` holds for it (checked every 50 ms, at most `timeoutMs`). */
  requestWhen(authReqId: string, accept: (request: AuthRequest | undefined) => boolean, timeoutMs?: number): Promise<AuthRequest | undefined>;
  /** The request once its delivery record has `status`. */
  deliveryReaches(authReqId: string, status: DeliveryRecord['status'], timeoutMs?: number): Promise<DeliveryRecord>;
  /** Runs `tsx cli/main.ts <args> --table <this table> --endpoint <DynamoDB Local>` (at most 60 s). */
  cli(args: readonly string[]): Promise<CliResult>;
  stop(): Promise<void>;
}

/** Creates the table in the run's DynamoDB Local, as `npm start` does: with its stream and the demo users. */
export async function createOwnTable(tableName: string): Promise<void> {
  const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
  try {
    await createProviderTable(dynamodb, tableName);
    await seedDemoUsers(dynamodb, tableName);
  } finally {
    dynamodb.destroy();
  }
}

/** Creates the table (with the stream and the demo users) and starts the local workers on it. */
export async function startNotificationPipeline(tableName: string): Promise<NotificationPipeline> {
  const endpoint = inject('dynamoDbEndpoint');
  await createOwnTable(tableName);
  const dynamodb = localDynamoDbClient(endpoint);
  const workers = await startLocalWorkers({ dynamoDbEndpoint: endpoint, tableName });
  const authRequests = new DynamoDbAuthRequestRepository(sdkDynamoDb(dynamodb), tableName, { expiredRetentionSeconds: 86_400 });
  const deadLetters = new DynamoDbDeadLetterRepository(sdkDynamoDb(dynamodb), tableName);

  const requestWhen: NotificationPipeline['requestWhen'] = (authReqId, accept, timeoutMs = 10_000) =>
    eventually(() => authRequests.find(authReqId), accept, timeoutMs, `request ${authReqId} to reach the expected state`);

  return {
    endpoint,
    tableName,
    dynamodb,
    authRequests,
    deadLetters,
    requestWhen,
    async deliveryReaches(authReqId, status, timeoutMs = 10_000) {
      const request = await requestWhen(authReqId, (found) => found?.delivery?.status === status, timeoutMs);
      return request?.delivery as DeliveryRecord;
    },
    cli(args) {
      return new Promise((done) => {
        execFile(
          resolve(projectRoot, 'node_modules/.bin/tsx'),
          ['cli/main.ts', ...args, '--table', tableName, '--endpoint', endpoint],
          {
            cwd: projectRoot,
            timeout: 60_000,
            env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1' },
          },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
            done({ code, stdout: String(stdout), stderr: String(stderr) });
          },
        );
      });
    },
    async stop() {
      await workers.stop();
      dynamodb.destroy();
    },
  };
}

/** A client_notification_token with every kind of RFC 6750 b64token character, unique per call. */
export function notificationToken(): string {
  return `${randomBytes(18).toString('base64url')}.~+/${randomBytes(6).toString('hex')}==`;
}

/** Fails clearly when a file's test uses what its beforeAll has not started (yet). */
function started<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`the ${name} is used before beforeAll started it`);
  return value;
}

export interface PipelineHarness {
  readonly table: string;
  /** Started before the file's tests run. */
  readonly pipeline: NotificationPipeline;
}

/**
 * The file's own table and the notification pipeline on it: started before the file's tests, stopped
 * after them. Call it at the top of the file, before any handler runs.
 */
export function useNotificationPipeline(label: string): PipelineHarness {
  const table = useOwnTable(label);
  let pipeline: NotificationPipeline | undefined;
  beforeAll(async () => {
    pipeline = await startNotificationPipeline(table);
  });
  afterAll(async () => {
    await pipeline?.stop();
  });
  return {
    table,
    get pipeline() {
      return started(pipeline, 'notification pipeline');
    },
  };
}

export interface DeliveryHarness extends PipelineHarness {
  readonly receiver: Receiver;
}

/** useNotificationPipeline, and a local receiver for the notifications. */
export function useDeliveryHarness(label: string): DeliveryHarness {
  const harness = useNotificationPipeline(label);
  let receiver: Receiver | undefined;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });
  return {
    table: harness.table,
    get pipeline() {
      return harness.pipeline;
    },
    get receiver() {
      return started(receiver, 'receiver');
    },
  };
}
