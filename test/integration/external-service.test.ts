/**
 * The external channel (docs/external-service.md, docs/external-service.openapi.yaml) end to end:
 * requests for acr `bank-app` are handed to the reference external service
 * (examples/reference-external-service/), which is asked verify-user before the client is answered
 * and start-authentication once the request is stored, and decides through the provider's callback.
 *
 * The service calls `{issuer}/external/callback/{auth_req_id}` over HTTP, so this file serves the
 * provider on a loopback port (local/server.ts) and makes that URL the issuer before any handler
 * runs. Error assertions are made on the provider's own answers (a direct call of the callback), not
 * on what the reference service relays.
 */
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startReferenceService, type ReceivedCall, type ReferenceService, type StartedAuthentication } from '../../examples/reference-external-service/server.js';
import { DynamoDbAuthRequestRepository } from '../../lambdas/adapters/dynamodb/auth-request-repository.js';
import type { AuthRequest } from '../../lambdas/core/model.js';
import type { Feature } from '../../lambdas/routes.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { startServer } from '../../local/server.js';
import { backchannel, call, expectError, poll, registerClient, type CallResult, type TestClient } from '../support/provider.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

const SERVICE_USERNAME = 'ciba-provider';
const SERVICE_PASSWORD = 'external-channel-test-password';
/** What the service tells the provider about demo; the client must never see it. */
const BLOCK_REASON = 'fraud hold: case FH-20931';
const TIMEOUT_MS = 10_000;

let server: Server;
let issuer: string;
let service: ReferenceService;
const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
let authRequests: DynamoDbAuthRequestRepository;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', features: new Set<Feature>(['simulator', 'automatedApproval']) });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // jane.doe can be authenticated by the service, demo is known but blocked, John is unknown to it
  // (all three are users of the provider).
  service = await startReferenceService({
    users: [
      { sub: 'jane.doe', allowed: true },
      { sub: 'demo', allowed: false, reason: BLOCK_REASON },
    ],
    basic: { username: SERVICE_USERNAME, password: SERVICE_PASSWORD },
  });
  // The handlers read their configuration on first use, which comes after this.
  Object.assign(process.env, {
    CIBA_ISSUER: issuer,
    CIBA_ACR_POLICIES: JSON.stringify({ ciba: { channel: 'device' }, 'bank-app': { channel: 'external' } }),
    CIBA_DEFAULT_ACR: 'ciba',
    CIBA_EXTERNAL_SERVICE_URL: service.url,
    CIBA_EXTERNAL_SERVICE_AUTH: 'basic',
    CIBA_EXTERNAL_SERVICE_USERNAME: SERVICE_USERNAME,
    CIBA_EXTERNAL_SERVICE_PASSWORD: SERVICE_PASSWORD,
    CIBA_POLL_INTERVAL_SECONDS: '1',
  });
  authRequests = new DynamoDbAuthRequestRepository(sdkDynamoDb(dynamodb), String(process.env.CIBA_TABLE_NAME), { expiredRetentionSeconds: 86_400 });
});

afterAll(async () => {
  await service?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  dynamodb.destroy();
});

// ---------------------------------------------------------------------------------------------------
// Helpers

/** A backchannel request for acr bank-app (the external channel), jane.doe by default. */
function bankApp(client: TestClient, form: Record<string, string> = {}): Promise<CallResult> {
  return backchannel(client, { scope: 'openid', login_hint: 'jane.doe', acr_values: 'bank-app', ...form });
}

async function startBankApp(client: TestClient, form: Record<string, string> = {}): Promise<string> {
  const result = await bankApp(client, form);
  expect(result.status, result.body).toBe(200);
  return String(result.json.auth_req_id);
}

function started(authReqId: string): StartedAuthentication {
  const found = service.state.authentications.get(authReqId);
  if (!found) throw new Error(`the reference service started no authentication ${authReqId}`);
  return found;
}

const credentialOf = (authReqId: string): string => started(authReqId).request.callback.credential;

/** The service's control API: accept or reject, which calls the provider's callback and relays its answer. */
async function decideAtService(authReqId: string, result: 'accept' | 'reject', body: Record<string, unknown> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${service.url}/authentications/${encodeURIComponent(authReqId)}/${result}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The provider's callback called directly (as the service would), with `credential` or no Authorization at all. */
function callback(authReqId: string, body: unknown, credential: string | undefined): Promise<CallResult> {
  return call('POST', `/external/callback/${encodeURIComponent(authReqId)}`, { json: body, headers: credential === undefined ? {} : { authorization: `Bearer ${credential}` } });
}

function expectInvalidToken(result: CallResult): void {
  expectError(result, 401, 'invalid_token');
  expect(result.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
}

const callsFor = (operation: ReceivedCall['operation'], match: (body: Record<string, unknown>) => boolean): ReceivedCall[] =>
  service.state.calls.filter((received) => received.operation === operation && match((received.body ?? {}) as Record<string, unknown>));

async function stored(authReqId: string): Promise<AuthRequest | undefined> {
  return authRequests.find(authReqId);
}

async function verifiedTokens(client: TestClient, tokens: CallResult): Promise<{ idToken: Record<string, unknown>; accessToken: Record<string, unknown> }> {
  const keys = createLocalJWKSet((await call('GET', '/jwks')).json as unknown as JSONWebKeySet);
  const { payload: idToken } = await jwtVerify(String(tokens.json.id_token), keys, { issuer, audience: client.clientId });
  const { payload: accessToken } = await jwtVerify(String(tokens.json.access_token), keys, { issuer, typ: 'at+jwt' });
  return { idToken, accessToken };
}

const PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'GBP', amount: '500.00' },
  creditorName: 'ExampleBank Savings',
  creditorAccount: { sortCode: '123456', accountNumber: '12345589' },
  consentId: 'pcon-7f3a2e1c-4711',
};

// ---------------------------------------------------------------------------------------------------

describe('verify-user: a negative answer is the error, before any auth_req_id exists', () => {
  it('a user the service does not know: 400 unknown_user_id, and nothing is started', async () => {
    const client = await registerClient();
    const before = service.state.authentications.size;
    const result = await backchannel(client, { scope: 'openid', login_hint: 'John', acr_values: 'bank-app' });
    expectError(result, 400, 'unknown_user_id');
    expect(result.json.auth_req_id).toBeUndefined();
    // The provider did ask, with its Basic credentials, and then started nothing.
    expect(callsFor('verify-user', (body) => body.sub === 'John' && body.client_id === client.clientId)).toEqual([expect.objectContaining({ auth: 'basic', answer: 200 })]);
    expect(callsFor('start-authentication', (body) => body.sub === 'John')).toEqual([]);
    expect(service.state.authentications.size).toBe(before);
  });

  it('a user the service will not authenticate: 403 access_denied without the service reason, which goes to the log only', async () => {
    const client = await registerClient();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    let result: CallResult;
    let logged: string[];
    try {
      result = await backchannel(client, { scope: 'openid', login_hint: 'demo', acr_values: 'bank-app' });
      logged = warn.mock.calls.map((args) => String(args[0]));
    } finally {
      warn.mockRestore();
    }
    expectError(result, 403, 'access_denied');
    expect(result.json.auth_req_id).toBeUndefined();
    expect(String(result.json.error_description ?? '')).not.toContain(BLOCK_REASON);
    expect(String(result.json.error_description ?? '')).not.toMatch(/fraud|FH-20931/i);
    expect(result.body).not.toContain('FH-20931');
    expect(callsFor('verify-user', (body) => body.sub === 'demo' && body.client_id === client.clientId)).toHaveLength(1);
    expect(callsFor('start-authentication', (body) => body.sub === 'demo')).toEqual([]);
    // The operator can still learn why.
    expect(logged.some((line) => line.includes(BLOCK_REASON))).toBe(true);
  });
});

describe('accept: the service narrows the grant and adds claims', () => {
  it('scope openid profile email accepted as openid email with name and amr otp: tokens as accepted; intent and consentId reached the service', async () => {
    const client = await registerClient({ authorization_details_types: ['payment_initiation'] });
    const intent = `urn-examplebank-intent-${randomUUID()}`;
    const result = await bankApp(client, {
      scope: 'openid profile email',
      binding_message: 'Pay GBP 500.00 to ExampleBank Savings',
      openbanking_intent_id: intent,
      authorization_details: JSON.stringify([PAYMENT]),
    });
    expect(result.status, result.body).toBe(200);
    const authReqId = String(result.json.auth_req_id);

    // What the service was asked: verify-user first (no auth_req_id yet), then start for the stored request.
    const verify = callsFor('verify-user', (body) => body.openbanking_intent_id === intent);
    expect(verify).toEqual([expect.objectContaining({ auth: 'basic', answer: 200 })]);
    expect(verify[0]?.body).toMatchObject({ sub: 'jane.doe', login_hint: 'jane.doe', client_id: client.clientId, scope: 'openid profile email', acr: 'bank-app' });
    const request = started(authReqId).request;
    expect(request).toMatchObject({
      auth_req_id: authReqId,
      sub: 'jane.doe',
      client_id: client.clientId,
      scope: 'openid profile email',
      acr: 'bank-app',
      binding_message: 'Pay GBP 500.00 to ExampleBank Savings',
      openbanking_intent_id: intent,
      authorization_details: [PAYMENT],
      callback: { url: `${issuer}/external/callback/${authReqId}`, credential: expect.any(String) },
    });
    expect(request.authorization_details?.[0]).toMatchObject({ consentId: PAYMENT.consentId });
    expect(Math.abs(Date.parse(request.expires_at) - (Date.now() + Number(result.json.expires_in) * 1000))).toBeLessThan(5000);

    const accepted = await decideAtService(authReqId, 'accept', { scope: 'openid email', claims: { name: 'Jane Doe' }, amr: ['otp'] });
    expect(accepted).toEqual({ status: 200, json: { auth_req_id: authReqId, status: 'approved' } });

    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(tokens.json.scope).toBe('openid email');
    expect(tokens.json.authorization_details).toEqual([PAYMENT]);
    const { idToken, accessToken } = await verifiedTokens(client, tokens);
    expect(accessToken).toMatchObject({ sub: 'jane.doe', scope: 'openid email', client_id: client.clientId, acr: 'bank-app', openbanking_intent_id: intent, authorization_details: [PAYMENT] });
    expect(idToken).toMatchObject({ sub: 'jane.doe', name: 'Jane Doe', amr: ['otp'], acr: 'bank-app', openbanking_intent_id: intent, 'urn:openid:params:jwt:claim:auth_req_id': authReqId });
  });

  it("an acr reported by the service replaces the request's in the ID token", async () => {
    const client = await registerClient();
    const authReqId = await startBankApp(client);
    expect(await decideAtService(authReqId, 'accept', { acr: 'ciba', amr: ['pin', 'hwk'] })).toMatchObject({ status: 200 });
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(tokens.json.scope).toBe('openid');
    expect(decodeJwt(String(tokens.json.id_token))).toMatchObject({ acr: 'ciba', amr: ['pin', 'hwk'] });
  });
});

describe('reject', () => {
  it('the client polling gets 400 access_denied', async () => {
    const client = await registerClient();
    const authReqId = await startBankApp(client);
    expect(await decideAtService(authReqId, 'reject', { reason: 'declined in the app' })).toEqual({ status: 200, json: { auth_req_id: authReqId, status: 'denied' } });
    const result = await poll(client, authReqId);
    expectError(result, 400, 'access_denied');
    expect(result.body).not.toContain('declined in the app');
  });
});

describe('which requests go to the service', () => {
  it("a client registered with default_acr_values ['bank-app'] that sends no acr_values goes to the external channel", async () => {
    const client = await registerClient({ default_acr_values: ['bank-app'] });
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe' });
    expect(result.status, result.body).toBe(200);
    const authReqId = String(result.json.auth_req_id);
    expect(started(authReqId).request).toMatchObject({ acr: 'bank-app', client_id: client.clientId });
    expect((await stored(authReqId))?.channel).toBe('external');
    expect(await decideAtService(authReqId, 'accept')).toMatchObject({ status: 200 });
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(decodeJwt(String(tokens.json.id_token)).acr).toBe('bank-app');
  });

  it('a client without default_acr_values that sends none gets the deployment default (ciba, a device): the service is not asked', async () => {
    const client = await registerClient();
    const callsBefore = service.state.calls.length;
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe' });
    expect(result.status, result.body).toBe(200);
    const request = await stored(String(result.json.auth_req_id));
    expect(request).toMatchObject({ acr: 'ciba' });
    expect(request?.channel).not.toBe('external');
    expect(service.state.calls.length).toBe(callsBefore);
  });
});

describe('the callback is idempotent', () => {
  it('the same accept twice: 200 both times, one decision', async () => {
    const client = await registerClient();
    const authReqId = await startBankApp(client);
    const accept = { claims: { name: 'Jane Doe' }, amr: ['pin'], reason: 'approved with PIN' };
    const first = await decideAtService(authReqId, 'accept', accept);
    expect(first).toEqual({ status: 200, json: { auth_req_id: authReqId, status: 'approved' } });
    const decided = await stored(authReqId);
    expect(decided?.status).toBe('approved');

    const again = await callback(authReqId, { result: 'accept', ...accept }, credentialOf(authReqId));
    expect(again.status, again.body).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(again.headers['cache-control']).toBe('no-store');
    // Nothing was written again: the same decision, at the same time.
    const after = await stored(authReqId);
    expect(after).toMatchObject({ status: 'approved', decidedAt: decided?.decidedAt, externalFingerprint: decided?.externalFingerprint });

    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(decodeJwt(String(tokens.json.id_token))).toMatchObject({ name: 'Jane Doe', amr: ['pin'] });
  });

  it('a reject after an accept: 409 request_not_pending, and the accept stands (tokens are issued)', async () => {
    const client = await registerClient();
    const authReqId = await startBankApp(client);
    expect(await decideAtService(authReqId, 'accept', { amr: ['otp'] })).toMatchObject({ status: 200 });
    const conflicting = await callback(authReqId, { result: 'reject', reason: 'changed my mind' }, credentialOf(authReqId));
    expectError(conflicting, 409, 'request_not_pending');
    expect((await stored(authReqId))?.status).toBe('approved');
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(decodeJwt(String(tokens.json.id_token)).amr).toEqual(['otp']);
  });

  it('an accept that differs only in reason is a different callback: 409', async () => {
    const client = await registerClient();
    const authReqId = await startBankApp(client);
    expect(await decideAtService(authReqId, 'accept', { reason: 'first' })).toMatchObject({ status: 200 });
    expectError(await callback(authReqId, { result: 'accept', reason: 'second' }, credentialOf(authReqId)), 409, 'request_not_pending');
    expect((await poll(client, authReqId)).status).toBe(200);
  });
});

describe('the callback credential', () => {
  it('a wrong credential: 401 invalid_token, and the request stays pending', async () => {
    const client = await registerClient();
    const authReqId = await startBankApp(client);
    expectInvalidToken(await callback(authReqId, { result: 'accept' }, `${credentialOf(authReqId)}x`));
    // Through the service too (its control API can send another credential).
    expect(await decideAtService(authReqId, 'accept', { credential: 'not-the-credential' })).toMatchObject({ status: 401, json: { error: 'invalid_token' } });
    expect((await stored(authReqId))?.status).toBe('pending');
    expectError(await poll(client, authReqId), 400, 'authorization_pending');
  });

  it('no credential: 401 invalid_token, for a known request and an unknown one alike', async () => {
    const client = await registerClient();
    const authReqId = await startBankApp(client);
    expectInvalidToken(await callback(authReqId, { result: 'accept' }, undefined));
    expectInvalidToken(await call('POST', `/external/callback/${authReqId}`, { json: { result: 'accept' }, headers: { authorization: 'Basic Y2liYTpjaWJh' } }));
    // Refused before the request is looked up.
    expectInvalidToken(await callback(`unknown-${randomUUID()}`, { result: 'accept' }, undefined));
    expect((await stored(authReqId))?.status).toBe('pending');
  });

  it("another request's credential: 401 invalid_token, and neither request is decided", async () => {
    const client = await registerClient();
    const first = await startBankApp(client);
    const second = await startBankApp(client);
    expectInvalidToken(await callback(first, { result: 'accept' }, credentialOf(second)));
    expectInvalidToken(await callback(second, { result: 'reject' }, credentialOf(first)));
    expect((await stored(first))?.status).toBe('pending');
    expect((await stored(second))?.status).toBe('pending');
  });
});

describe('which requests a callback can decide', () => {
  it('an expired request: 409 request_not_pending', async () => {
    const client = await registerClient();
    const authReqId = await startBankApp(client, { requested_expiry: '1' });
    const expiresAt = Date.parse(started(authReqId).request.expires_at);
    await sleep(Math.max(0, Math.min(expiresAt - Date.now() + 300, 3000)));
    expect(Date.now()).toBeGreaterThan(expiresAt);
    expectError(await callback(authReqId, { result: 'accept' }, credentialOf(authReqId)), 409, 'request_not_pending');
    expect((await stored(authReqId))?.status).toBe('pending');
    expectError(await poll(client, authReqId), 400, 'expired_token');
  });

  it('an unknown auth_req_id: 404 not_found', async () => {
    expectError(await callback(`unknown-${randomUUID()}`, { result: 'accept' }, 'some-credential'), 404, 'not_found');
  });

  it('a request served by a device: 404 not_found', async () => {
    const client = await registerClient();
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', acr_values: 'ciba' });
    expect(result.status, result.body).toBe(200);
    const authReqId = String(result.json.auth_req_id);
    expectError(await callback(authReqId, { result: 'accept' }, 'some-credential'), 404, 'not_found');
    expect((await stored(authReqId))?.status).toBe('pending');
  });
});

describe('callback bodies refused with 400 invalid_request; the request stays pending', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['result missing', { scope: 'openid' }],
    ['result neither accept nor reject', { result: 'approve' }],
    ['a scope that is not a subset of the requested one', { result: 'accept', scope: 'openid email' }],
    ['a scope without openid', { result: 'accept', scope: 'profile' }],
    ['claims that set sub', { result: 'accept', claims: { sub: 'someone-else' } }],
    ['claims that set iss', { result: 'accept', claims: { iss: 'https://attacker.example' } }],
    ['claims over 4096 characters', { result: 'accept', claims: { note: 'x'.repeat(4100) } }],
    ['an acr that is not one of the provider’s', { result: 'accept', acr: 'gold' }],
    ['an amr value not in RFC 8176', { result: 'accept', amr: ['magic'] }],
    ['more than 5 amr values', { result: 'accept', amr: ['pin', 'otp', 'sms', 'hwk', 'swk', 'face'] }],
  ];

  it.each(cases)('%s', async (_name, body) => {
    const client = await registerClient();
    const authReqId = await startBankApp(client, { scope: 'openid profile' });
    expectError(await callback(authReqId, body, credentialOf(authReqId)), 400, 'invalid_request');
    const request = await stored(authReqId);
    expect(request?.status).toBe('pending');
    expect(request?.decidedAt).toBeUndefined();
    expectError(await poll(client, authReqId), 400, 'authorization_pending');
    // Still decidable by a correct callback.
    expect(await decideAtService(authReqId, 'accept', { scope: 'openid' })).toMatchObject({ status: 200, json: { status: 'approved' } });
  });
});
