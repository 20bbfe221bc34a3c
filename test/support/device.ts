/**
 * A reference authentication device for tests: its own P-256 key, enrollment with a one-time code,
 * device request JWTs bound to method and URL, and signed decisions over the transaction it shows.
 * It follows docs/device-protocol.md, as a phone app would.
 */
import { randomUUID } from 'node:crypto';
import { CompactSign, SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { expect, inject } from 'vitest';
import { DynamoDbDeviceRepository } from '../../lambdas/adapters/dynamodb/device-repository.js';
import { DynamoDbUserDirectory } from '../../lambdas/adapters/dynamodb/user-directory.js';
import { issueEnrollmentCode } from '../../lambdas/core/device/enrollment-code.js';
import { canonicalJson, transactionHash } from '../../lambdas/core/device/transaction-hash.js';
import type { Decision } from '../../lambdas/core/model.js';
import { systemClock } from '../../lambdas/core/ports.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { TEST_ISSUER, TEST_TABLE_NAME } from './constants.js';
import { call, type CallResult } from './provider.js';

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
    const user = await new DynamoDbUserDirectory(dynamodb, process.env.CIBA_TABLE_NAME ?? TEST_TABLE_NAME).findByLoginHint(loginHint);
    if (!user) throw new Error(`no user ${loginHint}`);
    return (await issueEnrollmentCode(user.sub, new DynamoDbDeviceRepository(dynamodb, process.env.CIBA_TABLE_NAME ?? TEST_TABLE_NAME), systemClock)).code;
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
