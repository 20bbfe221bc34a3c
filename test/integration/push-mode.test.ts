/**
 * Push mode end to end (CIBA Core §10.3): the token response (or the error) is POSTed to the client's
 * notification endpoint, a real local receiver, through the real stream, dispatcher and delivery
 * handler; the token endpoint refuses push clients.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TEST_ISSUER } from '../support/constants.js';
import { backchannel, call, decide, expectError, poll, registerClient, startAuthRequest, type TestClient } from '../support/provider.js';
import { type ReceivedRequest } from '../support/receiver.js';
import { notificationToken, useDeliveryHarness } from '../support/workers.js';

const harness = useDeliveryHarness('push');

const QUIET_MS = 2000;
const ARRIVAL_MS = 10_000;
const AUTH_REQ_ID_CLAIM = 'urn:openid:params:jwt:claim:auth_req_id';

const newPath = (): string => `/push/${randomUUID()}`;

function pushClient(path: string): Promise<TestClient> {
  return registerClient({ backchannel_token_delivery_mode: 'push', backchannel_client_notification_endpoint: harness.receiver.url(path) });
}

/** OIDC Core 3.3.2.11: base64url of the left half of SHA-256 of the access token's ASCII octets. */
function leftHalfSha256(token: string): string {
  const digest = createHash('sha256').update(token, 'ascii').digest();
  return digest.subarray(0, 16).toString('base64url');
}

function expectHeaders(request: ReceivedRequest | undefined, token: string): void {
  expect(request?.method).toBe('POST');
  expect(request?.headers['content-type']).toBe('application/json');
  expect(request?.headers.authorization).toBe(`Bearer ${token}`);
}

function bodyOf(request: ReceivedRequest | undefined): Record<string, unknown> {
  return JSON.parse(request?.body ?? 'null') as Record<string, unknown>;
}

describe('push mode (CIBA Core 10.3)', () => {
  it('the backchannel response of a push client has no interval (CIBA Core 7.3)', async () => {
    const client = await pushClient(newPath());
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', client_notification_token: notificationToken() });
    expect(result.status, result.body).toBe(200);
    expect(result.json).toMatchObject({ auth_req_id: expect.any(String), expires_in: expect.any(Number) });
    expect(result.json).not.toHaveProperty('interval');
  });

  it('after approval exactly one POST carries the token response; the ID token verifies, with at_hash and auth_req_id', async () => {
    const path = newPath();
    const token = notificationToken();
    const client = await pushClient(path);
    const authReqId = await startAuthRequest(client, { client_notification_token: token });

    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const [push] = await harness.receiver.waitForRequests(path, 1, ARRIVAL_MS);
    expectHeaders(push, token);
    const body = bodyOf(push);
    expect(body).toMatchObject({
      auth_req_id: authReqId,
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      id_token: expect.any(String),
    });
    expect(body).not.toHaveProperty('error');

    const jwks = createLocalJWKSet((await call('GET', '/jwks')).json as never);
    const { payload } = await jwtVerify(String(body.id_token), jwks, { issuer: TEST_ISSUER, audience: client.clientId });
    expect(payload.sub).toBe('jane.doe');
    expect(payload.at_hash).toBe(leftHalfSha256(String(body.access_token)));
    expect(payload[AUTH_REQ_ID_CLAIM]).toBe(authReqId);
    // The access token is the provider's own JWT too (RFC 9068), issued to this client.
    const { payload: access } = await jwtVerify(String(body.access_token), jwks, { issuer: TEST_ISSUER, typ: 'at+jwt' });
    expect(access.client_id).toBe(client.clientId);

    await harness.pipeline.deliveryReaches(authReqId, 'delivered');
    await sleep(QUIET_MS);
    expect(harness.receiver.requestsTo(path)).toHaveLength(1);
  });

  it('a push client calling /token for its auth_req_id gets 400 unauthorized_client, before and after the push', async () => {
    const path = newPath();
    const client = await pushClient(path);
    const authReqId = await startAuthRequest(client, { client_notification_token: notificationToken() });

    expectError(await poll(client, authReqId), 400, 'unauthorized_client');
    expect((await decide(authReqId, 'allow')).status).toBe(200);
    await harness.receiver.waitForRequests(path, 1, ARRIVAL_MS);
    expectError(await poll(client, authReqId), 400, 'unauthorized_client');
  });

  it('deny: the push body is {auth_req_id, error: access_denied, error_description}', async () => {
    const path = newPath();
    const token = notificationToken();
    const client = await pushClient(path);
    const authReqId = await startAuthRequest(client, { client_notification_token: token });

    expect((await decide(authReqId, 'deny')).status).toBe(200);
    const [push] = await harness.receiver.waitForRequests(path, 1, ARRIVAL_MS);
    expectHeaders(push, token);
    const body = bodyOf(push);
    expect(Object.keys(body).sort()).toEqual(['auth_req_id', 'error', 'error_description']);
    expect(body).toMatchObject({ auth_req_id: authReqId, error: 'access_denied', error_description: expect.any(String) });
  });

  it('expiry: nobody answers a 2-second request; the push body is {auth_req_id, error: expired_token, error_description}', async () => {
    const path = newPath();
    const token = notificationToken();
    const client = await pushClient(path);
    const authReqId = await startAuthRequest(client, { client_notification_token: token, requested_expiry: '2' });
    const stored = await harness.pipeline.authRequests.find(authReqId);

    const [push] = await harness.receiver.waitForRequests(path, 1, ARRIVAL_MS);
    expectHeaders(push, token);
    expect(push?.receivedAt).toBeGreaterThanOrEqual(stored?.expiresAt ?? Infinity);
    const body = bodyOf(push);
    expect(Object.keys(body).sort()).toEqual(['auth_req_id', 'error', 'error_description']);
    expect(body).toMatchObject({ auth_req_id: authReqId, error: 'expired_token', error_description: expect.any(String) });

    await harness.pipeline.deliveryReaches(authReqId, 'delivered');
    await sleep(QUIET_MS);
    expect(harness.receiver.requestsTo(path)).toHaveLength(1);
  });
});
