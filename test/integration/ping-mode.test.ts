/**
 * Ping mode end to end (CIBA Core §10.2): the decision is written, the table's stream reaches the
 * real dispatcher, the delivery handler POSTs to a real local receiver, and the client then redeems
 * the auth_req_id at the token endpoint (§10.1, §11).
 */
import { decodeJwt } from 'jose';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { backchannel, decide, expectError, poll, registerClient, startAuthRequest, type TestClient } from '../support/provider.js';
import { type ReceivedRequest } from '../support/receiver.js';
import { notificationToken, useDeliveryHarness } from '../support/workers.js';

const harness = useDeliveryHarness('ping');

/** A bounded wait after the last expected request, to see that no further one comes. */
const QUIET_MS = 2000;
const ARRIVAL_MS = 10_000;

const newPath = (): string => `/ping/${randomUUID()}`;

function pingClient(path: string): Promise<TestClient> {
  return registerClient({ backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: harness.receiver.url(path) });
}

/** The §10.2 ping: POST, application/json, the exact bearer token, the body exactly {"auth_req_id": ...}. */
function expectPing(request: ReceivedRequest | undefined, authReqId: string, token: string): void {
  expect(request?.method).toBe('POST');
  expect(request?.headers['content-type']).toBe('application/json');
  expect(request?.headers.authorization).toBe(`Bearer ${token}`);
  expect(request?.body).toBe(`{"auth_req_id":"${authReqId}"}`);
  const parsed = JSON.parse(request?.body ?? 'null') as Record<string, unknown>;
  expect(Object.keys(parsed)).toEqual(['auth_req_id']);
  expect(parsed.auth_req_id).toBe(authReqId);
}

describe('ping mode (CIBA Core 10.2)', () => {
  it('the backchannel response of a ping client carries an interval (CIBA Core 7.3)', async () => {
    const client = await pingClient(newPath());
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', client_notification_token: notificationToken() });
    expect(result.status, result.body).toBe(200);
    expect(result.json).toMatchObject({ auth_req_id: expect.any(String), expires_in: expect.any(Number), interval: expect.any(Number) });
  });

  it('after approval exactly one ping arrives, with the bearer token and {"auth_req_id"}; the client then redeems at /token', async () => {
    const path = newPath();
    const token = notificationToken();
    const client = await pingClient(path);
    const authReqId = await startAuthRequest(client, { client_notification_token: token });

    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const [ping] = await harness.receiver.waitForRequests(path, 1, ARRIVAL_MS);
    expectPing(ping, authReqId, token);

    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(tokens.json).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), id_token: expect.any(String) });
    expect(decodeJwt(String(tokens.json.id_token))).toMatchObject({ aud: client.clientId, 'urn:openid:params:jwt:claim:auth_req_id': authReqId });

    await harness.pipeline.deliveryReaches(authReqId, 'delivered');
    await sleep(QUIET_MS);
    expect(harness.receiver.requestsTo(path)).toHaveLength(1);
    expect((await harness.pipeline.authRequests.find(authReqId))?.delivery).toMatchObject({ status: 'delivered', attempts: 1, lastResult: 'HTTP 204' });
  });

  it('a ping client that polls before the user answers gets authorization_pending, and no ping is sent while pending', async () => {
    const path = newPath();
    const client = await pingClient(path);
    const authReqId = await startAuthRequest(client, { client_notification_token: notificationToken() });

    expectError(await poll(client, authReqId), 400, 'authorization_pending');
    await sleep(QUIET_MS);
    expect(harness.receiver.requestsTo(path)).toHaveLength(0);

    expect((await decide(authReqId, 'allow')).status).toBe(200);
    await harness.receiver.waitForRequests(path, 1, ARRIVAL_MS);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
  });

  it('deny: the ping arrives all the same, and the poll that follows says access_denied', async () => {
    const path = newPath();
    const token = notificationToken();
    const client = await pingClient(path);
    const authReqId = await startAuthRequest(client, { client_notification_token: token });

    expect((await decide(authReqId, 'deny')).status).toBe(200);
    const [ping] = await harness.receiver.waitForRequests(path, 1, ARRIVAL_MS);
    expectPing(ping, authReqId, token);
    expectError(await poll(client, authReqId), 400, 'access_denied');
  });

  it('expiry: nobody answers a 2-second request; a ping arrives once it has expired and the poll says expired_token', async () => {
    const path = newPath();
    const token = notificationToken();
    const client = await pingClient(path);
    const authReqId = await startAuthRequest(client, { client_notification_token: token, requested_expiry: '2' });
    const stored = await harness.pipeline.authRequests.find(authReqId);
    expect(stored?.expiresAt).toEqual(expect.any(Number));

    const [ping] = await harness.receiver.waitForRequests(path, 1, ARRIVAL_MS);
    expectPing(ping, authReqId, token);
    // Not before the request expired: a ping for a pending request would make the client poll for nothing.
    expect(ping?.receivedAt).toBeGreaterThanOrEqual(stored?.expiresAt ?? Infinity);
    expectError(await poll(client, authReqId), 400, 'expired_token');

    await harness.pipeline.deliveryReaches(authReqId, 'delivered');
    await sleep(QUIET_MS);
    expect(harness.receiver.requestsTo(path)).toHaveLength(1);
  });

  it('a poll client registered with a notification endpoint is never notified (CIBA Core 5)', async () => {
    const pollPath = newPath();
    const pingPath = newPath();
    const pollClient = await registerClient({ backchannel_token_delivery_mode: 'poll', backchannel_client_notification_endpoint: harness.receiver.url(pollPath) });
    const control = await pingClient(pingPath);
    const pollRequest = await startAuthRequest(pollClient, { client_notification_token: notificationToken() });
    const pingRequest = await startAuthRequest(control, { client_notification_token: notificationToken() });

    expect((await decide(pollRequest, 'allow')).status).toBe(200);
    expect((await decide(pingRequest, 'allow')).status).toBe(200);
    // The ping client's notification shows that the pipeline is running; the poll client's never comes.
    await harness.receiver.waitForRequests(pingPath, 1, ARRIVAL_MS);
    await sleep(QUIET_MS);
    expect(harness.receiver.requestsTo(pollPath)).toHaveLength(0);
    expect((await harness.pipeline.authRequests.find(pollRequest))?.delivery).toBeUndefined();

    const tokens = await poll(pollClient, pollRequest);
    expect(tokens.status, tokens.body).toBe(200);
  });
});
