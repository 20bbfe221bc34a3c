/**
 * The provider as the simulator page meets it: the local HTTP server (local/server.ts) on a free
 * loopback port, so that the browser loads GET /simulator from a real origin, and the notification
 * pipeline (the table's stream, the dispatcher, the delivery worker) that puts phone pushes in the
 * local stand-in for SNS, which the page reads. Everything runs on a table of the test file's own
 * (test/support/workers.ts useOwnTable), named before any handler reads the configuration.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';
import { DynamoDbDeviceRepository } from '../../../lambdas/adapters/dynamodb/device-repository.js';
import { DynamoDbEvidenceRepository } from '../../../lambdas/adapters/dynamodb/evidence-repository.js';
import { DynamoDbUserDirectory } from '../../../lambdas/adapters/dynamodb/user-directory.js';
import type { Evidence } from '../../../lambdas/core/model.js';
import type { Feature } from '../../../lambdas/routes.js';
import { localDynamoDbClient } from '../../../local/dynamodb-local.js';
import { startServer } from '../../../local/server.js';
import { randomName } from '../../support/jwt.js';
import { startNotificationPipeline, type NotificationPipeline } from '../../support/workers.js';
import { sdkDynamoDb } from '../../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

export interface SimulatorEnvironment {
  /** http://localhost:<port>: the issuer, and the origin the page is served from. */
  readonly issuer: string;
  readonly pipeline: NotificationPipeline;
  /** Creates a user in this table (sub = username) and returns the username, the login hint. */
  createUser(): Promise<string>;
  /** The evidence of a decision made on a device (lambdas/adapters/dynamodb/evidence-repository.ts). */
  evidence(authReqId: string): Promise<Evidence | undefined>;
  /** Revokes a device, as an operator does: the provider stops accepting its key. */
  revokeDevice(deviceId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startSimulatorEnvironment(tableName: string): Promise<SimulatorEnvironment> {
  const server: Server = await startServer({ port: 0, host: '127.0.0.1', features: new Set<Feature>(['simulator', 'automatedApproval']) });
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  // The handlers read their configuration on first use, which comes after this.
  process.env.CIBA_ISSUER = issuer;
  let pipeline: NotificationPipeline;
  try {
    pipeline = await startNotificationPipeline(tableName);
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }
  const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
  const users = new DynamoDbUserDirectory(sdkDynamoDb(dynamodb), tableName);
  const evidence = new DynamoDbEvidenceRepository(sdkDynamoDb(dynamodb), tableName);
  const devices = new DynamoDbDeviceRepository(sdkDynamoDb(dynamodb), tableName);
  return {
    issuer,
    pipeline,
    async createUser() {
      // test/support/jwt.ts createTestUser writes to the shared table; this file has its own.
      const username = randomName('browser-user');
      await users.createUser({ sub: username, username, claims: {} });
      return username;
    },
    evidence: (authReqId) => evidence.find(authReqId),
    async revokeDevice(deviceId) {
      await devices.setStatus(deviceId, 'revoked');
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pipeline.stop();
      dynamodb.destroy();
    },
  };
}
