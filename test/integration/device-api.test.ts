/**
 * The authentication-device API (enrollment, pending requests, decisions) and the simulator page.
 *
 * Each test makes its own user (straight into DynamoDB Local, as the seed does) so that requests
 * other test files start for the demo users never show up in the lists asserted here.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { decodeJwt } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbDeviceRepository } from '../../lambdas/adapters/dynamodb/device-repository.js';
import { DynamoDbUserDirectory } from '../../lambdas/adapters/dynamodb/user-directory.js';
import { issueEnrollmentCode, ENROLLMENT_CODE_SECONDS } from '../../lambdas/core/device/enrollment-code.js';
import { systemClock } from '../../lambdas/core/ports.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { TEST_TABLE_NAME } from '../support/constants.js';
import { call, expectError, poll, registerClient, startAuthRequest, type CallResult, type TestClient } from '../support/provider.js';

const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
const users = new DynamoDbUserDirectory(dynamodb, TEST_TABLE_NAME);
const devices = new DynamoDbDeviceRepository(dynamodb, TEST_TABLE_NAME);
afterAll(() => dynamodb.destroy());

interface EnrolledDevice {
  readonly sub: string;
  readonly deviceId: string;
  readonly deviceSecret: string;
}

async function newUser(): Promise<string> {
  const username = `device-api-${randomBytes(6).toString('hex')}`;
  await users.createUser({ sub: username, username, claims: { name: 'Device Test' } });
  return username;
}

function enroll(enrollmentCode: unknown, displayName: unknown = 'Test phone'): Promise<CallResult> {
  return call('POST', '/device/enroll', { json: { enrollment_code: enrollmentCode, display_name: displayName } });
}

/** A new user with an enrolled device, through the core's issueEnrollmentCode and the DynamoDB repository. */
async function userWithDevice(): Promise<EnrolledDevice> {
  const sub = await newUser();
  const { code } = await issueEnrollmentCode(sub, devices, systemClock);
  const result = await enroll(code);
  expect(result.status, result.body).toBe(201);
  return { sub, deviceId: String(result.json.device_id), deviceSecret: String(result.json.device_secret) };
}

function deviceAuth(device: EnrolledDevice, secret = device.deviceSecret): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${device.deviceId}:${secret}`).toString('base64')}` };
}

function list(device: EnrolledDevice, secret?: string): Promise<CallResult> {
  return call('GET', '/device/auth-requests', { headers: deviceAuth(device, secret) });
}

function show(device: EnrolledDevice, authReqId: string): Promise<CallResult> {
  return call('GET', `/device/auth-requests/${encodeURIComponent(authReqId)}`, { headers: deviceAuth(device) });
}

function decideOnDevice(device: EnrolledDevice, authReqId: string, body: unknown): Promise<CallResult> {
  return call('POST', `/device/auth-requests/${encodeURIComponent(authReqId)}/decision`, { headers: deviceAuth(device), json: body });
}

function listedIds(result: CallResult): string[] {
  return (result.json.auth_requests as { auth_req_id: string }[]).map((item) => item.auth_req_id);
}

async function expectStillPending(owner: EnrolledDevice, client: TestClient, authReqId: string): Promise<void> {
  const view = await show(owner, authReqId);
  expect(view.status, view.body).toBe(200);
  expect(view.json.status).toBe('pending');
  expectError(await poll(client, authReqId), 400, 'authorization_pending');
}

describe('device enrollment', () => {
  it('enrolls with a code from POST /simulator/enrollment-code {login_hint}', async () => {
    const sub = await newUser();
    const issued = await call('POST', '/simulator/enrollment-code', { json: { login_hint: sub } });
    expect(issued.status, issued.body).toBe(200);
    expect(issued.json).toMatchObject({ enrollment_code: expect.any(String), sub });

    const result = await enroll(issued.json.enrollment_code, 'Simulator');
    expect(result.status, result.body).toBe(201);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(result.json).toMatchObject({ device_id: expect.any(String), device_secret: expect.any(String), sub });
    expect(String(result.json.device_secret).length).toBeGreaterThanOrEqual(43);

    const device = { sub, deviceId: String(result.json.device_id), deviceSecret: String(result.json.device_secret) };
    const listed = await list(device);
    expect(listed.status, listed.body).toBe(200);
    expect(listed.json.auth_requests).toEqual([]);
  });

  it('enrolls with a code from issueEnrollmentCode and the DynamoDB device repository', async () => {
    const sub = await newUser();
    const { code, expiresAt } = await issueEnrollmentCode(sub, devices, systemClock);
    expect(expiresAt).toBeGreaterThan(Date.now());
    const result = await enroll(code);
    expect(result.status, result.body).toBe(201);
    expect(result.json).toMatchObject({ device_id: expect.any(String), device_secret: expect.any(String), sub });
  });

  it('stores the device secret only as its hash', async () => {
    const device = await userWithDevice();
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: TEST_TABLE_NAME, Key: { pk: { S: `DEVICE#${device.deviceId}` } }, ConsistentRead: true }),
    );
    expect(Item).toBeDefined();
    expect(JSON.stringify(Item)).not.toContain(device.deviceSecret);
    expect(Item?.secretHash?.S).toBe(createHash('sha256').update(device.deviceSecret, 'utf8').digest('base64url'));
  });

  it('takes each code once: a second enrollment with it is 401 invalid_token', async () => {
    const sub = await newUser();
    const { code } = await issueEnrollmentCode(sub, devices, systemClock);
    expect((await enroll(code)).status).toBe(201);
    expectError(await enroll(code), 401, 'invalid_token');
  });

  it('refuses an unknown code: 401 invalid_token', async () => {
    expectError(await enroll(randomBytes(24).toString('base64url')), 401, 'invalid_token');
  });

  it('refuses an expired code: 401 invalid_token', async () => {
    const sub = await newUser();
    const longAgo = { now: () => Date.now() - (ENROLLMENT_CODE_SECONDS + 60) * 1000 };
    const { code } = await issueEnrollmentCode(sub, devices, longAgo);
    expectError(await enroll(code), 401, 'invalid_token');
  });

  it('refuses a request without an enrollment code: 400 invalid_request', async () => {
    expectError(await call('POST', '/device/enroll', { json: { display_name: 'Phone' } }), 400, 'invalid_request');
  });

  it('refuses a login_hint the simulator does not know: 400 unknown_user_id', async () => {
    const result = await call('POST', '/simulator/enrollment-code', { json: { login_hint: `nobody-${randomBytes(6).toString('hex')}` } });
    expectError(result, 400, 'unknown_user_id');
  });
});

describe('device authentication', () => {
  it('refuses a wrong device secret: 401 invalid_token with a Basic challenge', async () => {
    const device = await userWithDevice();
    const result = await list(device, `${device.deviceSecret}x`);
    expectError(result, 401, 'invalid_token');
    expect(result.headers['www-authenticate']).toMatch(/^Basic\b/);
  });

  it('refuses an unknown device id and a request without credentials', async () => {
    const device = await userWithDevice();
    expectError(await list({ ...device, deviceId: randomBytes(16).toString('base64url') }), 401, 'invalid_token');
    expectError(await call('GET', '/device/auth-requests'), 401, 'invalid_token');
  });
});

describe("the user's pending requests", () => {
  it("lists the user's pending requests, newest first, with what the user needs to decide, and no one else's", async () => {
    const owner = await userWithDevice();
    const other = await userWithDevice();
    const client = await registerClient({ client_name: 'Device API test bank' });

    const first = await startAuthRequest(client, { login_hint: owner.sub, scope: 'openid email', binding_message: 'Pay 10 EUR to shop 1', acr_values: 'ciba' });
    const firstView = await show(owner, first);
    // Distinct creation times, so that "newest first" is decided by time and not by the ids.
    await sleep(5);
    const second = await startAuthRequest(client, { login_hint: owner.sub, scope: 'openid', binding_message: 'Pay 20 EUR to shop 2' });
    const othersRequest = await startAuthRequest(client, { login_hint: other.sub });
    const secondView = await show(owner, second);
    expect(Date.parse(String(secondView.json.created_at))).toBeGreaterThan(Date.parse(String(firstView.json.created_at)));

    const result = await list(owner);
    expect(result.status, result.body).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(listedIds(result)).toEqual([second, first]);
    expect(listedIds(result)).not.toContain(othersRequest);
    const [newest, oldest] = result.json.auth_requests as Record<string, unknown>[];
    expect(oldest).toMatchObject({
      auth_req_id: first,
      client_id: client.clientId,
      client_name: 'Device API test bank',
      binding_message: 'Pay 10 EUR to shop 1',
      scope: ['openid', 'email'],
      acr: 'ciba',
      status: 'pending',
    });
    expect(newest).toMatchObject({ auth_req_id: second, binding_message: 'Pay 20 EUR to shop 2', scope: ['openid'] });
    expect(newest).not.toHaveProperty('acr');

    expect(listedIds(await list(other))).toEqual([othersRequest]);
  });

  it('shows one request by its id', async () => {
    const owner = await userWithDevice();
    const client = await registerClient({ client_name: 'Device API test bank' });
    const authReqId = await startAuthRequest(client, { login_hint: owner.sub, binding_message: 'Sign in to the bank' });
    const result = await show(owner, authReqId);
    expect(result.status, result.body).toBe(200);
    expect(result.json).toMatchObject({
      auth_req_id: authReqId,
      client_id: client.clientId,
      client_name: 'Device API test bank',
      binding_message: 'Sign in to the bank',
      scope: ['openid'],
      status: 'pending',
      created_at: expect.any(String),
      expires_at: expect.any(String),
    });
    expect(Date.parse(String(result.json.expires_at))).toBeGreaterThan(Date.parse(String(result.json.created_at)));
  });

  it("answers 404 not_found for another user's request, as for an unknown one", async () => {
    const owner = await userWithDevice();
    const stranger = await userWithDevice();
    const client = await registerClient();
    const authReqId = await startAuthRequest(client, { login_hint: owner.sub });
    expectError(await show(stranger, authReqId), 404, 'not_found');
    expectError(await show(stranger, randomBytes(32).toString('base64url')), 404, 'not_found');
  });
});

describe('decisions on the device', () => {
  it('approve: 200, then the client polls its tokens, and the request leaves the list', async () => {
    const owner = await userWithDevice();
    const client = await registerClient();
    const authReqId = await startAuthRequest(client, { login_hint: owner.sub });
    expect(listedIds(await list(owner))).toEqual([authReqId]);

    const decided = await decideOnDevice(owner, authReqId, { decision: 'approve' });
    expect(decided.status, decided.body).toBe(200);
    expect(decided.json).toMatchObject({ auth_req_id: authReqId, status: 'approved' });

    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(tokens.json).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), id_token: expect.any(String) });
    expect(decodeJwt(String(tokens.json.id_token)).sub).toBe(owner.sub);

    const listed = await list(owner);
    expect(listed.status).toBe(200);
    expect(listedIds(listed)).not.toContain(authReqId);
  });

  it('deny: 200, then the client gets access_denied', async () => {
    const owner = await userWithDevice();
    const client = await registerClient();
    const authReqId = await startAuthRequest(client, { login_hint: owner.sub });
    const decided = await decideOnDevice(owner, authReqId, { decision: 'deny' });
    expect(decided.status, decided.body).toBe(200);
    expect(decided.json).toMatchObject({ auth_req_id: authReqId, status: 'denied' });
    expectError(await poll(client, authReqId), 400, 'access_denied');
    expect(listedIds(await list(owner))).not.toContain(authReqId);
  });

  it('a second decision is 409, and does not change the first', async () => {
    const owner = await userWithDevice();
    const client = await registerClient();
    const authReqId = await startAuthRequest(client, { login_hint: owner.sub });
    expect((await decideOnDevice(owner, authReqId, { decision: 'deny' })).status).toBe(200);
    expectError(await decideOnDevice(owner, authReqId, { decision: 'approve' }), 409, 'request_not_pending');
    expectError(await decideOnDevice(owner, authReqId, { decision: 'deny' }), 409, 'request_not_pending');
    expectError(await poll(client, authReqId), 400, 'access_denied');
  });

  it('refuses a decision that is neither approve nor deny: 400 invalid_request, and the request stays pending', async () => {
    const owner = await userWithDevice();
    const client = await registerClient();
    const authReqId = await startAuthRequest(client, { login_hint: owner.sub });
    expectError(await decideOnDevice(owner, authReqId, { decision: 'maybe' }), 400, 'invalid_request');
    expectError(await decideOnDevice(owner, authReqId, { decision: true }), 400, 'invalid_request');
    expectError(await decideOnDevice(owner, authReqId, {}), 400, 'invalid_request');
    expect((await show(owner, authReqId)).json.status).toBe('pending');
  });

  it("answers 404 to a decision on another user's request, which stays pending", async () => {
    const owner = await userWithDevice();
    const stranger = await userWithDevice();
    const client = await registerClient();
    const authReqId = await startAuthRequest(client, { login_hint: owner.sub });
    expectError(await decideOnDevice(stranger, authReqId, { decision: 'approve' }), 404, 'not_found');
    expectError(await decideOnDevice(stranger, authReqId, { decision: 'deny' }), 404, 'not_found');
    await expectStillPending(owner, client, authReqId);
  });

  it('refuses a decision with a wrong device secret: 401, and the request stays pending', async () => {
    const owner = await userWithDevice();
    const client = await registerClient();
    const authReqId = await startAuthRequest(client, { login_hint: owner.sub });
    const result = await call('POST', `/device/auth-requests/${encodeURIComponent(authReqId)}/decision`, {
      headers: deviceAuth(owner, `${owner.deviceSecret}x`),
      json: { decision: 'approve' },
    });
    expectError(result, 401, 'invalid_token');
    await expectStillPending(owner, client, authReqId);
  });

  it('answers 404 to a decision on an unknown request', async () => {
    const owner = await userWithDevice();
    expectError(await decideOnDevice(owner, randomBytes(32).toString('base64url'), { decision: 'approve' }), 404, 'not_found');
  });
});

describe('the simulator page', () => {
  it('GET /simulator is an HTML page with a Content-Security-Policy', async () => {
    const result = await call('GET', '/simulator');
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toMatch(/^text\/html/);
    expect(result.headers['content-security-policy']).toMatch(/default-src/);
    expect(result.body).toMatch(/<html/i);
  });

  it('is not routed at all when the simulator feature is off', async () => {
    const features = new Set(['automatedApproval'] as const);
    expect((await call('GET', '/simulator', { features })).status).toBe(404);
    expect((await call('POST', '/simulator/enrollment-code', { features, json: { login_hint: 'jane.doe' } })).status).toBe(404);
  });
});
