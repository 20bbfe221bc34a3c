/**
 * A push that is retried (or re-driven) later sends the token response stored at the first attempt
 * (lambdas/core/notification/deliver-notification.ts, "no duplicate tokens"). What it sends must still
 * be valid when it is sent: an expired ID token is rejected by the client (OIDC Core 3.1.3.7 item 9),
 * and the delivery counts as delivered all the same.
 *
 * The real delivery function on the real table and signing key; the clock and the client's endpoint
 * are stand-ins, so that minutes can pass between attempts. The ID token lives shorter than the
 * access token here, as a deployment may configure (CIBA_ID_TOKEN_SECONDS, CIBA_ACCESS_TOKEN_SECONDS).
 */
process.env.CIBA_ACCESS_TOKEN_SECONDS = '600';
process.env.CIBA_ID_TOKEN_SECONDS = '60';

import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { providerSigner } from '../../lambdas/adapters/signing/signer.js';
import { tableRepositories } from '../../lambdas/adapters/table.js';
import { config } from '../../lambdas/config.js';
import { deliverNotification, type DeliveryDependencies } from '../../lambdas/core/notification/deliver-notification.js';
import type { NotificationJob, NotificationResult, OutgoingNotification } from '../../lambdas/core/ports.js';
import { TEST_ISSUER } from '../support/constants.js';
import { call, decide, registerClient, startAuthRequest, type TestClient } from '../support/provider.js';
import { createOwnTable, notificationToken, useOwnTable } from '../support/workers.js';

const table = useOwnTable('push-lifetime');

beforeAll(async () => {
  await createOwnTable(table);
});

interface Harness {
  readonly client: TestClient;
  readonly authReqId: string;
  readonly deps: DeliveryDependencies;
  readonly sent: OutgoingNotification[];
  readonly queued: NotificationJob[];
  advance(ms: number): void;
  now(): number;
}

/** An approved push request, and the delivery function's dependencies with a clock the test moves. */
async function approvedPush(answers: NotificationResult[]): Promise<Harness> {
  const client = await registerClient({ backchannel_token_delivery_mode: 'push', backchannel_client_notification_endpoint: 'http://127.0.0.1:9/cb' });
  const authReqId = await startAuthRequest(client, { client_notification_token: notificationToken() });
  expect((await decide(authReqId, 'allow')).status).toBe(200);

  const settings = config();
  const { authRequests, deadLetters, devices, users } = tableRepositories(settings);
  const sent: OutgoingNotification[] = [];
  const queued: NotificationJob[] = [];
  let now = Date.now();
  const deps: DeliveryDependencies = {
    config: settings,
    clock: { now: () => now },
    authRequests,
    deadLetters,
    devices,
    users,
    push: undefined,
    queue: { enqueue: async (job) => void queued.push(job) },
    sender: {
      check: async () => undefined,
      send: async (notification) => {
        sent.push(notification);
        return answers.shift() ?? { kind: 'response', status: 200 };
      },
    },
    signer: providerSigner(settings),
  };
  return { client, authReqId, deps, sent, queued, advance: (ms) => void (now += ms), now: () => now };
}

function pushed(notification: OutgoingNotification | undefined): { access_token: string; id_token: string } {
  return JSON.parse(notification?.body ?? 'null') as { access_token: string; id_token: string };
}

describe('the tokens a retried push sends are valid when sent', () => {
  it('a retry two minutes later, within the access token lifetime but past the ID token lifetime, sends an ID token that has not expired', async () => {
    const harness = await approvedPush([{ kind: 'response', status: 503 }]);
    expect(await deliverNotification({ kind: 'result', authReqId: harness.authReqId, attempt: 0 }, harness.deps)).toBe('retrying');
    const [retry] = harness.queued;
    expect(retry).toEqual({ kind: 'result', authReqId: harness.authReqId, attempt: 1 });

    harness.advance(120_000);
    expect(await deliverNotification(retry as NotificationJob, harness.deps)).toBe('delivered');
    const idToken = pushed(harness.sent[1]).id_token;

    // What the client does with the push it receives now.
    const jwks = createLocalJWKSet((await call('GET', '/jwks')).json as never);
    const exp = Number(decodeJwt(idToken).exp);
    expect(exp * 1000, 'the pushed ID token had expired when it was sent').toBeGreaterThan(harness.now());
    await expect(jwtVerify(idToken, jwks, { issuer: TEST_ISSUER, audience: harness.client.clientId, currentDate: new Date(harness.now()) })).resolves.toBeDefined();
  });

  it('within both lifetimes, the retry sends exactly the first attempt\'s tokens', async () => {
    const harness = await approvedPush([{ kind: 'networkError', reason: 'ECONNRESET' }]);
    expect(await deliverNotification({ kind: 'result', authReqId: harness.authReqId, attempt: 0 }, harness.deps)).toBe('retrying');
    harness.advance(30_000);
    expect(await deliverNotification(harness.queued[0] as NotificationJob, harness.deps)).toBe('delivered');
    expect(harness.sent[1]?.body).toBe(harness.sent[0]?.body);
  });

  it('past the access token lifetime, the next attempt mints a new token response', async () => {
    const harness = await approvedPush([{ kind: 'response', status: 503 }]);
    expect(await deliverNotification({ kind: 'result', authReqId: harness.authReqId, attempt: 0 }, harness.deps)).toBe('retrying');
    harness.advance(601_000);
    expect(await deliverNotification(harness.queued[0] as NotificationJob, harness.deps)).toBe('delivered');
    const [first, second] = [pushed(harness.sent[0]), pushed(harness.sent[1])];
    expect(second.access_token).not.toBe(first.access_token);
    expect(Number(decodeJwt(second.access_token).exp) * 1000).toBeGreaterThan(harness.now());
    expect(Number(decodeJwt(second.id_token).exp) * 1000).toBeGreaterThan(harness.now());
  });
});
