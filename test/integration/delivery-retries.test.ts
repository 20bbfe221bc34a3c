/**
 * How the delivery handler treats the client's answers (CIBA Core §10.2, §10.3; lambdas/core/
 * notification/retry-policy.ts): 5xx, 429 and no answer are retried with backoff; 401, other 4xx and
 * redirects are answers, neither retried nor followed; a push retried sends the same tokens again.
 */
// Small backoff and a short timeout, read by lambdas/config.ts on first use (before any handler runs).
process.env.CIBA_DELIVERY_BASE_DELAY_MS = '20';
process.env.CIBA_DELIVERY_MAX_DELAY_MS = '100';
process.env.CIBA_DELIVERY_MAX_ATTEMPTS = '4';
process.env.CIBA_DELIVERY_TIMEOUT_MS = '500';

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { decide, poll, registerClient, startAuthRequest, type TestClient } from '../support/provider.js';
import { startReceiver, type Answer } from '../support/receiver.js';
import { notificationToken, useDeliveryHarness } from '../support/workers.js';

const harness = useDeliveryHarness('retries');

/** Far longer than every backoff of 4 attempts together (at most 3 x 100 ms) plus the 500 ms timeouts. */
const QUIET_MS = 2000;
const ARRIVAL_MS = 10_000;

const newPath = (): string => `/cb/${randomUUID()}`;

async function approvedRequest(mode: 'ping' | 'push', path: string, answers: readonly Answer[]): Promise<{ client: TestClient; authReqId: string; token: string }> {
  harness.receiver.script(path, answers);
  const client = await registerClient({ backchannel_token_delivery_mode: mode, backchannel_client_notification_endpoint: harness.receiver.url(path) });
  const token = notificationToken();
  const authReqId = await startAuthRequest(client, { client_notification_token: token });
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  return { client, authReqId, token };
}

describe('delivery retries', () => {
  it('503 then 200: exactly two attempts, recorded as delivered after 2 attempts (also by `ciba requests show`)', async () => {
    const path = newPath();
    const { authReqId, token } = await approvedRequest('ping', path, [503, 200]);

    const delivery = await harness.pipeline.deliveryReaches(authReqId, 'delivered');
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2, lastResult: 'HTTP 200' });
    await sleep(QUIET_MS);
    const attempts = harness.receiver.requestsTo(path);
    expect(attempts.map((request) => request.answeredWith)).toEqual([503, 200]);
    expect(attempts.map((request) => request.body)).toEqual([`{"auth_req_id":"${authReqId}"}`, `{"auth_req_id":"${authReqId}"}`]);
    expect(attempts.every((request) => request.headers.authorization === `Bearer ${token}`)).toBe(true);

    const shown = await harness.pipeline.cli(['requests', 'show', authReqId, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const request = JSON.parse(shown.stdout) as Record<string, unknown>;
    expect(request).toMatchObject({ authReqId, deliveryMode: 'ping', delivery: { status: 'delivered', attempts: 2, lastResult: 'HTTP 200' } });
    // The operator's view leaves the client's secret out.
    expect(request).not.toHaveProperty('notificationToken');
    expect(shown.stdout).not.toContain(token);
  });

  it('429 then 200: retried, delivered on the second attempt', async () => {
    const path = newPath();
    const { authReqId } = await approvedRequest('ping', path, [429, 200]);

    expect(await harness.pipeline.deliveryReaches(authReqId, 'delivered')).toMatchObject({ attempts: 2, lastResult: 'HTTP 200' });
    await sleep(QUIET_MS);
    expect(harness.receiver.requestsTo(path).map((request) => request.answeredWith)).toEqual([429, 200]);
  });

  it('an answer slower than the delivery timeout counts as no answer and is retried', async () => {
    const path = newPath();
    const { authReqId } = await approvedRequest('ping', path, [{ status: 200, delayMs: 3000 }, 200]);

    expect(await harness.pipeline.deliveryReaches(authReqId, 'delivered')).toMatchObject({ attempts: 2, lastResult: 'HTTP 200' });
    expect(harness.receiver.requestsTo(path)).toHaveLength(2);
  });

  it('401: exactly one attempt, never retried; the ping client can still redeem its tokens', async () => {
    const path = newPath();
    const { client, authReqId } = await approvedRequest('ping', path, [401, 200]);

    await harness.receiver.waitForRequests(path, 1, ARRIVAL_MS);
    expect(await harness.pipeline.deliveryReaches(authReqId, 'failed')).toMatchObject({ attempts: 1, lastResult: 'HTTP 401' });
    await sleep(QUIET_MS);
    expect(harness.receiver.requestsTo(path).map((request) => request.answeredWith)).toEqual([401]);

    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(tokens.json).toMatchObject({ token_type: 'Bearer', id_token: expect.any(String) });
  });

  it('301: the redirect is not followed (its target receives nothing) and not retried', async () => {
    const path = newPath();
    const target = await startReceiver();
    try {
      const { authReqId } = await approvedRequest('ping', path, [{ status: 301, headers: { location: target.url('/elsewhere') } }, 200]);

      await harness.receiver.waitForRequests(path, 1, ARRIVAL_MS);
      expect(await harness.pipeline.deliveryReaches(authReqId, 'failed')).toMatchObject({ attempts: 1, lastResult: 'HTTP 301' });
      await sleep(QUIET_MS);
      expect(harness.receiver.requestsTo(path)).toHaveLength(1);
      expect(target.requests).toHaveLength(0);
    } finally {
      await target.close();
    }
  });

  it('push retried after 503 sends the same payload both times: the same access token and ID token, no duplicate tokens', async () => {
    const path = newPath();
    const { authReqId } = await approvedRequest('push', path, [503, 200]);

    expect(await harness.pipeline.deliveryReaches(authReqId, 'delivered')).toMatchObject({ attempts: 2 });
    await sleep(QUIET_MS);
    const [first, second, ...more] = harness.receiver.requestsTo(path);
    expect(more).toHaveLength(0);
    const firstBody = JSON.parse(first?.body ?? 'null') as Record<string, unknown>;
    const secondBody = JSON.parse(second?.body ?? 'null') as Record<string, unknown>;
    expect(firstBody).toMatchObject({ auth_req_id: authReqId, access_token: expect.any(String), id_token: expect.any(String) });
    expect(secondBody.access_token).toBe(firstBody.access_token);
    expect(secondBody.id_token).toBe(firstBody.id_token);
    expect(second?.body).toBe(first?.body);
  });
});
