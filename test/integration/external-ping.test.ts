/**
 * The external channel serves every token delivery mode the provider offers: a poll client and a ping
 * client (CIBA Core §10.2) both get their requests authenticated by the operator's service (the
 * reference service, examples/reference-external-service/), and the ping client is notified through
 * the real notification pipeline (the table's stream, the dispatcher, the delivery handler) once the
 * service has decided.
 *
 * The pipeline reads this file's own table (test/support/workers.ts); the provider is served on a
 * loopback port so that the service's callback reaches it.
 */
import { decodeJwt } from 'jose';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceService, type ReferenceService } from '../../examples/reference-external-service/server.js';
import type { Feature } from '../../lambdas/routes.js';
import { startServer } from '../../local/server.js';
import { backchannel, expectError, poll, registerClient, type TestClient } from '../support/provider.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { notificationToken, startNotificationPipeline, useOwnTable, type NotificationPipeline } from '../support/workers.js';

const table = useOwnTable('external-ping');

const SERVICE_USERNAME = 'ciba-provider';
const SERVICE_PASSWORD = 'external-ping-test-password';
const ARRIVAL_MS = 10_000;
/** A bounded wait to see that no ping comes while the service has not decided. */
const QUIET_MS = 1500;

let server: Server;
let service: ReferenceService;
let pipeline: NotificationPipeline;
let receiver: Receiver;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', features: new Set<Feature>(['simulator', 'automatedApproval']) });
  service = await startReferenceService({ users: [{ sub: 'jane.doe', allowed: true }], basic: { username: SERVICE_USERNAME, password: SERVICE_PASSWORD } });
  // Before the first handler call: the handlers read their configuration once.
  Object.assign(process.env, {
    CIBA_ISSUER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    CIBA_ACR_POLICIES: JSON.stringify({ ciba: { channel: 'device' }, 'bank-app': { channel: 'external' } }),
    CIBA_EXTERNAL_SERVICE_URL: service.url,
    CIBA_EXTERNAL_SERVICE_AUTH: 'basic',
    CIBA_EXTERNAL_SERVICE_USERNAME: SERVICE_USERNAME,
    CIBA_EXTERNAL_SERVICE_PASSWORD: SERVICE_PASSWORD,
    CIBA_POLL_INTERVAL_SECONDS: '1',
  });
  pipeline = await startNotificationPipeline(table);
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver?.close();
  await pipeline?.stop();
  await service?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function decideAtService(authReqId: string, result: 'accept' | 'reject', body: Record<string, unknown> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${service.url}/authentications/${encodeURIComponent(authReqId)}/${result}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(ARRIVAL_MS),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const newPath = (): string => `/ping/${randomUUID()}`;

function pingClient(path: string): Promise<TestClient> {
  return registerClient({ backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: receiver.url(path) });
}

describe('the external channel in ping mode (CIBA Core 10.2)', () => {
  it('a ping client gets its ping once the service accepts, and then redeems tokens', { timeout: 30_000 }, async () => {
    const path = newPath();
    const token = notificationToken();
    const client = await pingClient(path);
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', acr_values: 'bank-app', client_notification_token: token });
    expect(result.status, result.body).toBe(200);
    const authReqId = String(result.json.auth_req_id);
    expect(service.state.authentications.get(authReqId)?.request).toMatchObject({ client_id: client.clientId, acr: 'bank-app' });

    // Nothing to say to the client while the service has not decided.
    await sleep(QUIET_MS);
    expect(receiver.requestsTo(path)).toEqual([]);

    expect(await decideAtService(authReqId, 'accept', { amr: ['otp'] })).toEqual({ status: 200, json: { auth_req_id: authReqId, status: 'approved' } });
    const [ping] = await receiver.waitForRequests(path, 1, ARRIVAL_MS);
    expect(ping?.method).toBe('POST');
    expect(ping?.headers.authorization).toBe(`Bearer ${token}`);
    expect(JSON.parse(ping?.body ?? 'null')).toEqual({ auth_req_id: authReqId });

    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(decodeJwt(String(tokens.json.id_token))).toMatchObject({ sub: 'jane.doe', aud: client.clientId, acr: 'bank-app', amr: ['otp'], 'urn:openid:params:jwt:claim:auth_req_id': authReqId });
    await pipeline.deliveryReaches(authReqId, 'delivered');
    expect(receiver.requestsTo(path)).toHaveLength(1);
  });

  it('a ping client whose user the service rejects gets its ping, then access_denied', { timeout: 30_000 }, async () => {
    const path = newPath();
    const token = notificationToken();
    const client = await pingClient(path);
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', acr_values: 'bank-app', client_notification_token: token });
    expect(result.status, result.body).toBe(200);
    const authReqId = String(result.json.auth_req_id);

    expect(await decideAtService(authReqId, 'reject')).toMatchObject({ status: 200, json: { status: 'denied' } });
    const [ping] = await receiver.waitForRequests(path, 1, ARRIVAL_MS);
    expect(JSON.parse(ping?.body ?? 'null')).toEqual({ auth_req_id: authReqId });
    expectError(await poll(client, authReqId), 400, 'access_denied');
  });
});

describe('the external channel in poll mode', () => {
  it('a poll client is pending until the service accepts, then gets tokens; nothing is pinged', { timeout: 30_000 }, async () => {
    const client = await registerClient({ backchannel_token_delivery_mode: 'poll' });
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', acr_values: 'bank-app' });
    expect(result.status, result.body).toBe(200);
    const authReqId = String(result.json.auth_req_id);
    const interval = Number(result.json.interval);
    expectError(await poll(client, authReqId), 400, 'authorization_pending');

    expect(await decideAtService(authReqId, 'accept')).toMatchObject({ status: 200, json: { status: 'approved' } });
    // Keep the interval the provider asked for (CIBA Core 7.3), or the next poll is slow_down.
    await sleep(interval * 1000 + 100);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(decodeJwt(String(tokens.json.id_token))).toMatchObject({ aud: client.clientId, acr: 'bank-app' });
    expect(receiver.requests.filter((request) => request.body.includes(authReqId))).toEqual([]);
  });
});
