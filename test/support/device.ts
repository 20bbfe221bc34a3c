/**
 * A reference authentication device for tests: its own P-256 key, enrollment with a one-time code,
 * device request JWTs bound to method and URL, and signed decisions over the transaction it shows.
 * It follows docs/device-protocol.md, as a phone app would.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { CompactSign, SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { expect, inject } from 'vitest';
import { DynamoDbDeviceRepository } from '../../lambdas/adapters/dynamodb/device-repository.js';
import { DynamoDbUserDirectory } from '../../lambdas/adapters/dynamodb/user-directory.js';
import { issueEnrollmentCode } from '../../lambdas/core/device/enrollment-code.js';
import { canonicalJson, transactionHash } from '../../lambdas/core/device/transaction-hash.js';
import type { Decision, Device, DevicePublicKey } from '../../lambdas/core/model.js';
import { hashUserCode } from '../../lambdas/core/secrets/user-code-hash.js';
import { systemClock } from '../../lambdas/core/ports.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { TEST_ISSUER, TEST_TABLE_NAME } from './constants.js';
import { call, type CallResult } from './provider.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

export interface TestDevice {
  readonly deviceId: string;
  readonly sub: string;
  readonly privateKey: CryptoKey;
  readonly enrollment: Record<string, unknown>;
}

/** A one-time enrollment code for a user (as the operator's CLI issues it). */
export async function enrollmentCodeFor(loginHint: string): Promise<string> {
  const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
  try {
    const user = await new DynamoDbUserDirectory(sdkDynamoDb(dynamodb), process.env.CIBA_TABLE_NAME ?? TEST_TABLE_NAME).findByLoginHint(loginHint);
    if (!user) throw new Error(`no user ${loginHint}`);
    return (await issueEnrollmentCode(user.sub, new DynamoDbDeviceRepository(sdkDynamoDb(dynamodb), process.env.CIBA_TABLE_NAME ?? TEST_TABLE_NAME), systemClock)).code;
  } finally {
    dynamodb.destroy();
  }
}

/** Generates a key pair and enrolls it for the user; expects 201. */
export async function enrollDevice(loginHint: string, extra: Record<string, unknown> = {}): Promise<TestDevice> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const result = await call('POST', '/device/enroll', {
    json: { enrollment_code: await enrollmentCodeFor(loginHint), public_key: { kty, crv, x, y }, platform: 'FCM', push_token: `token-${randomUUID()}`, display_name: 'Test phone', ...extra },
  });
  expect(result.status, result.body).toBe(201);
  return { deviceId: String(result.json.device_id), sub: String(result.json.sub), privateKey, enrollment: result.json };
}

/** `Authorization: Device <JWT>` for one call (docs/device-protocol.md, "Authenticating calls"). */
export async function deviceAuthorization(device: TestDevice, method: string, path: string, claims: Record<string, unknown> = {}): Promise<Record<string, string>> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ htm: method, htu: `${TEST_ISSUER}${path}`, jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'device-request+jwt', kid: device.deviceId })
    .setIssuer(device.deviceId)
    .setAudience(TEST_ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(device.privateKey);
  return { authorization: `Device ${jwt}` };
}

/** A device API call, authenticated. */
export async function deviceCall(device: TestDevice, method: 'GET' | 'POST', path: string, json?: unknown): Promise<CallResult> {
  return call(method, path, { headers: await deviceAuthorization(device, method, path), ...(json !== undefined ? { json } : {}) });
}

/** The transaction as the device shows it (from the device API's view of the request). */
export function transactionOf(view: Record<string, unknown>, decision: Decision): Record<string, unknown> {
  return {
    auth_req_id: view.auth_req_id,
    client_id: view.client_id,
    ...(view.binding_message !== undefined ? { binding_message: view.binding_message } : {}),
    ...(view.authorization_details !== undefined ? { authorization_details: view.authorization_details } : {}),
    decision,
  };
}

/** The signed decision over a transaction (docs/device-protocol.md, "Deciding"). */
export async function signDecision(device: TestDevice, transaction: Record<string, unknown>, amr: string[] = ['fpt']): Promise<string> {
  const payload = {
    auth_req_id: transaction.auth_req_id,
    decision: transaction.decision,
    amr,
    transaction_hash: transactionHash(transaction as never),
    iat: Math.floor(Date.now() / 1000),
  };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', kid: device.deviceId, typ: 'ciba-decision+jwt' }).sign(device.privateKey);
}

/** Reads the request as the device sees it, signs exactly that, and posts the decision. */
export async function decideOnDevice(device: TestDevice, authReqId: string, decision: Decision, amr: string[] = ['fpt']): Promise<CallResult> {
  const view = await deviceCall(device, 'GET', `/device/auth-requests/${authReqId}`);
  expect(view.status, view.body).toBe(200);
  const transaction = transactionOf(view.json, decision);
  return deviceCall(device, 'POST', `/device/auth-requests/${authReqId}/decision`, { signed_decision: await signDecision(device, transaction, amr), transaction });
}

export { canonicalJson };

// ---------------------------------------------------------------------------------------------------
// Helpers for the device API tests (test/integration/device-*.test.ts, phone-push*.test.ts). They work
// on the table this file's handlers use: its own (useOwnTable) or the shared test table.

/** The table this test file's handlers use. */
export function currentTableName(): string {
  return process.env.CIBA_TABLE_NAME ?? TEST_TABLE_NAME;
}

/** Runs `use` with a DynamoDB Local client on the current table, destroyed afterwards. */
export async function withTable<T>(use: (dynamodb: DynamoDBClient, tableName: string) => Promise<T>): Promise<T> {
  const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
  try {
    return await use(dynamodb, currentTableName());
  } finally {
    dynamodb.destroy();
  }
}

/** Creates a user in the current table (sub = username) and returns its username (createTestUser writes the shared table). */
export async function createUserHere(options: { userCode?: string } = {}): Promise<string> {
  const username = `user-${randomUUID().slice(0, 12)}`;
  await withTable(async (dynamodb, tableName) =>
    new DynamoDbUserDirectory(sdkDynamoDb(dynamodb), tableName).createUser({
      sub: username,
      username,
      claims: {},
      ...(options.userCode !== undefined ? { userCodeHash: await hashUserCode(options.userCode) } : {}),
    }),
  );
  return username;
}

/** The device as stored. */
export function storedDevice(deviceId: string): Promise<Device | undefined> {
  return withTable((dynamodb, tableName) => new DynamoDbDeviceRepository(sdkDynamoDb(dynamodb), tableName).find(deviceId));
}

/** A test device that also keeps the public JWK it enrolled, to verify what it signed. */
export interface KeyedTestDevice extends TestDevice {
  readonly publicJwk: DevicePublicKey;
}

/** As enrollDevice, keeping the public key. */
export async function enrollKeyedDevice(loginHint: string, extra: Record<string, unknown> = {}): Promise<KeyedTestDevice> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const { x, y } = await exportJWK(publicKey);
  const publicJwk: DevicePublicKey = { kty: 'EC', crv: 'P-256', x: String(x), y: String(y) };
  const result = await call('POST', '/device/enroll', {
    json: { enrollment_code: await enrollmentCodeFor(loginHint), public_key: publicJwk, platform: 'FCM', push_token: `token-${randomUUID()}`, display_name: 'Test phone', ...extra },
  });
  expect(result.status, result.body).toBe(201);
  return { deviceId: String(result.json.device_id), sub: String(result.json.sub), privateKey, enrollment: result.json, publicJwk };
}

export interface CustomDeviceJwtOptions {
  /** Claims to set or, with undefined, to leave out (iss, aud, htm, htu, iat, exp, jti are the valid ones by default). */
  readonly claims?: Record<string, unknown>;
  /** Header members to set or, with undefined, to leave out (alg ES256, typ device-request+jwt, kid device_id by default). */
  readonly header?: Record<string, unknown>;
  /** The key to sign with instead of the device's. */
  readonly signingKey?: CryptoKey;
}

/** A device request JWT that is valid unless `options` says otherwise. */
export async function customDeviceJwt(device: TestDevice, method: string, path: string, options: CustomDeviceJwtOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { iss: device.deviceId, aud: TEST_ISSUER, htm: method, htu: `${TEST_ISSUER}${path}`, iat: now, exp: now + 60, jti: randomUUID(), ...options.claims };
  const header: Record<string, unknown> = { alg: 'ES256', typ: 'device-request+jwt', kid: device.deviceId, ...options.header };
  for (const record of [claims, header]) for (const [name, value] of Object.entries(record)) if (value === undefined) delete record[name];
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(options.signingKey ?? device.privateKey);
}

export interface SignDecisionOptions {
  /** Payload members to set or, with undefined, to leave out (by default the valid ones for the transaction). */
  readonly payload?: Record<string, unknown>;
  /** Header members to set or, with undefined, to leave out (alg ES256, kid device_id, typ ciba-decision+jwt by default). */
  readonly header?: Record<string, unknown>;
  readonly signingKey?: CryptoKey;
}

/** A signed decision over `transaction` that is valid unless `options` says otherwise. */
export async function signDecisionWith(device: TestDevice, transaction: Record<string, unknown>, options: SignDecisionOptions = {}): Promise<string> {
  const payload: Record<string, unknown> = {
    auth_req_id: transaction.auth_req_id,
    decision: transaction.decision,
    amr: ['fpt'],
    transaction_hash: transactionHash(transaction as never),
    iat: Math.floor(Date.now() / 1000),
    ...options.payload,
  };
  const header: Record<string, unknown> = { alg: 'ES256', kid: device.deviceId, typ: 'ciba-decision+jwt', ...options.header };
  for (const record of [payload, header]) for (const [name, value] of Object.entries(record)) if (value === undefined) delete record[name];
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as { alg: string }).sign(options.signingKey ?? device.privateKey);
}

export interface DeviceCliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The operator's CLI on the current table: `tsx cli/main.ts --table <table> --endpoint <DynamoDB Local> <args>`
 * (at most 60 s). The target options come first, so that `args` may end with `-- <id>`: ids are base64url
 * and may start with "-", which the CLI would otherwise read as an option.
 */
export function runCli(args: readonly string[]): Promise<DeviceCliResult> {
  const projectRoot = resolve(import.meta.dirname, '../..');
  return new Promise((done) => {
    execFile(
      resolve(projectRoot, 'node_modules/.bin/tsx'),
      ['cli/main.ts', '--table', currentTableName(), '--endpoint', inject('dynamoDbEndpoint'), ...args],
      { cwd: projectRoot, timeout: 60_000, env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1' } },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}
