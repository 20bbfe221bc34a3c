/**
 * Notifications that still fail after the last attempt become dead letters, which operators list and
 * re-drive with the CLI (cli/main.ts `dead-letters list|redrive`): the re-drive marks the request, the
 * stream turns the mark into a new delivery, and a push re-driven sends the tokens it sent before.
 */
// Small backoff and a short timeout, read by lambdas/config.ts on first use (before any handler runs).
process.env.CIBA_DELIVERY_BASE_DELAY_MS = '20';
process.env.CIBA_DELIVERY_MAX_DELAY_MS = '100';
process.env.CIBA_DELIVERY_MAX_ATTEMPTS = '4';
process.env.CIBA_DELIVERY_TIMEOUT_MS = '500';

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { decide, registerClient, startAuthRequest, type TestClient } from '../support/provider.js';
import { closedPort } from '../support/receiver.js';
import { notificationToken, useDeliveryHarness } from '../support/workers.js';

const harness = useDeliveryHarness('dead-letters');

const MAX_ATTEMPTS = 4;
/** Far longer than every backoff of 4 attempts together (at most 3 x 100 ms). */
const QUIET_MS = 2000;
const ARRIVAL_MS = 10_000;

const newPath = (): string => `/cb/${randomUUID()}`;

async function approvedRequest(mode: 'ping' | 'push', endpoint: string): Promise<{ client: TestClient; authReqId: string }> {
  const client = await registerClient({ backchannel_token_delivery_mode: mode, backchannel_client_notification_endpoint: endpoint });
  const authReqId = await startAuthRequest(client, { client_notification_token: notificationToken() });
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  return { client, authReqId };
}

async function listedByCli(): Promise<Record<string, unknown>[]> {
  const listed = await harness.pipeline.cli(['dead-letters', 'list', '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as Record<string, unknown>[];
}

describe('dead letters and re-drive', () => {
  it('a receiver down for every attempt: a dead letter after maxAttempts, listed by the repository and the CLI; re-driven from the CLI once fixed, it arrives', async () => {
    const path = newPath();
    harness.receiver.script(path, ['down']);
    const { client, authReqId } = await approvedRequest('ping', harness.receiver.url(path));

    const failed = await harness.pipeline.deliveryReaches(authReqId, 'failed');
    expect(failed).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastResult: expect.stringMatching(/^no answer: /) });
    await sleep(QUIET_MS);
    expect(harness.receiver.requestsTo(path).map((request) => request.answeredWith)).toEqual(new Array(MAX_ATTEMPTS).fill('down'));

    const letter = {
      authReqId,
      clientId: client.clientId,
      deliveryMode: 'ping',
      endpoint: harness.receiver.url(path),
      attempts: MAX_ATTEMPTS,
      lastResult: failed.lastResult,
    };
    expect((await harness.pipeline.deadLetters.list(100)).filter((l) => l.authReqId === authReqId)).toEqual([{ ...letter, failedAt: expect.any(Number) }]);
    expect((await listedByCli()).filter((l) => l.authReqId === authReqId)).toEqual([{ ...letter, failedAt: expect.any(Number) }]);

    // The client's server is back; the operator re-drives.
    harness.receiver.script(path, [200]);
    const redrive = await harness.pipeline.cli(['dead-letters', 'redrive', authReqId, '--json']);
    expect(redrive.code, redrive.stderr).toBe(0);
    expect(JSON.parse(redrive.stdout)).toEqual([{ auth_req_id: authReqId, outcome: 'redriven' }]);

    const requests = await harness.receiver.waitForRequests(path, MAX_ATTEMPTS + 1, ARRIVAL_MS);
    expect(requests[MAX_ATTEMPTS]).toMatchObject({ method: 'POST', body: `{"auth_req_id":"${authReqId}"}`, answeredWith: 200 });
    expect(await harness.pipeline.deliveryReaches(authReqId, 'delivered')).toMatchObject({ status: 'delivered', lastResult: 'HTTP 200' });
    expect((await harness.pipeline.deadLetters.list(100)).some((l) => l.authReqId === authReqId)).toBe(false);
    expect((await listedByCli()).some((l) => l.authReqId === authReqId)).toBe(false);
    await sleep(QUIET_MS);
    expect(harness.receiver.requestsTo(path)).toHaveLength(MAX_ATTEMPTS + 1);
  });

  it('an endpoint on a closed port: no answer on every attempt, then a dead letter (ECONNREFUSED)', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}/cb`;
    const { authReqId } = await approvedRequest('ping', endpoint);

    expect(await harness.pipeline.deliveryReaches(authReqId, 'failed')).toMatchObject({ attempts: MAX_ATTEMPTS, lastResult: 'no answer: ECONNREFUSED' });
    const letters = (await harness.pipeline.deadLetters.list(100)).filter((l) => l.authReqId === authReqId);
    expect(letters).toEqual([expect.objectContaining({ endpoint, attempts: MAX_ATTEMPTS, lastResult: 'no answer: ECONNREFUSED' })]);
  });

  it('a push re-driven within the token lifetime sends the same tokens as the failed attempts', async () => {
    const path = newPath();
    harness.receiver.script(path, ['down']);
    const { authReqId } = await approvedRequest('push', harness.receiver.url(path));

    await harness.pipeline.deliveryReaches(authReqId, 'failed');
    await sleep(QUIET_MS);
    const failedAttempts = harness.receiver.requestsTo(path);
    expect(failedAttempts).toHaveLength(MAX_ATTEMPTS);
    expect(JSON.parse(failedAttempts[0]?.body ?? 'null')).toMatchObject({ auth_req_id: authReqId, access_token: expect.any(String), id_token: expect.any(String) });
    expect(new Set(failedAttempts.map((request) => request.body)).size).toBe(1);

    harness.receiver.script(path, [200]);
    const redrive = await harness.pipeline.cli(['dead-letters', 'redrive', authReqId]);
    expect(redrive.code, redrive.stderr).toBe(0);
    expect(redrive.stdout).toContain(`${authReqId}: re-driven`);

    const requests = await harness.receiver.waitForRequests(path, MAX_ATTEMPTS + 1, ARRIVAL_MS);
    expect(requests[MAX_ATTEMPTS]?.answeredWith).toBe(200);
    expect(requests[MAX_ATTEMPTS]?.body).toBe(failedAttempts[0]?.body);
    expect(await harness.pipeline.deliveryReaches(authReqId, 'delivered')).toMatchObject({ status: 'delivered' });
    expect((await harness.pipeline.deadLetters.list(100)).some((l) => l.authReqId === authReqId)).toBe(false);
  });

  it('re-driving a request that no longer exists says so and sends nothing', async () => {
    const missing = 'no-such-request-' + randomUUID();
    const redrive = await harness.pipeline.cli(['dead-letters', 'redrive', missing, '--json']);
    expect(redrive.code, redrive.stderr).toBe(0);
    expect(JSON.parse(redrive.stdout)).toEqual([{ auth_req_id: missing, outcome: 'requestGone' }]);
    expect(await harness.pipeline.authRequests.find(missing)).toBeUndefined();
  });
});
