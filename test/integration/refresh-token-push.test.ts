/**
 * Push mode with refresh tokens (CIBA Core §10.3.1): the pushed token response carries the refresh
 * token, and the ID token its rt_hash; the push client then refreshes at the token endpoint. Through
 * the real stream, dispatcher and delivery handler, to a real local receiver.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { TEST_ISSUER } from '../support/constants.js';
import { basic, call, decide, registerClient, startAuthRequest, type TestClient } from '../support/provider.js';
import { notificationToken, useDeliveryHarness } from '../support/workers.js';

const harness = useDeliveryHarness('refresh-push');

const ARRIVAL_MS = 10_000;
const RT_HASH_CLAIM = 'urn:openid:params:jwt:claim:rt_hash';

function pushClient(path: string, grantTypes: string[]): Promise<TestClient> {
  return registerClient({ grant_types: grantTypes, backchannel_token_delivery_mode: 'push', backchannel_client_notification_endpoint: harness.receiver.url(path) });
}

/** Approves a push request with `scope`; returns the pushed body. */
async function pushedTokens(client: TestClient, path: string, scope: string): Promise<Record<string, unknown>> {
  const authReqId = await startAuthRequest(client, { scope, client_notification_token: notificationToken() });
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  const [push] = await harness.receiver.waitForRequests(path, 1, ARRIVAL_MS);
  const body = JSON.parse(push?.body ?? 'null') as Record<string, unknown>;
  expect(body).toMatchObject({ auth_req_id: authReqId, access_token: expect.any(String), id_token: expect.any(String) });
  return body;
}

const leftHalfSha256 = (token: string): string => createHash('sha256').update(token, 'ascii').digest().subarray(0, 16).toString('base64url');

describe('push mode with offline_access (CIBA Core 10.3.1)', () => {
  it('the pushed tokens include refresh_token, the ID token its rt_hash, and the push client can refresh with it', async () => {
    const path = `/push/${randomUUID()}`;
    const client = await pushClient(path, [CIBA_GRANT_TYPE, 'refresh_token']);
    const body = await pushedTokens(client, path, 'openid offline_access');

    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const jwks = createLocalJWKSet((await call('GET', '/jwks')).json as never);
    const { payload } = await jwtVerify(String(body.id_token), jwks, { issuer: TEST_ISSUER, audience: client.clientId });
    expect(payload[RT_HASH_CLAIM]).toBe(leftHalfSha256(String(body.refresh_token)));

    const refreshed = await call('POST', '/token', { headers: basic(client), form: { grant_type: 'refresh_token', refresh_token: String(body.refresh_token) } });
    expect(refreshed.status, refreshed.body).toBe(200);
    expect(refreshed.json.refresh_token).not.toBe(body.refresh_token);
  });

  it('a push client without the refresh_token grant gets no refresh token', async () => {
    const path = `/push/${randomUUID()}`;
    const client = await pushClient(path, [CIBA_GRANT_TYPE]);
    const body = await pushedTokens(client, path, 'openid offline_access');

    expect(body).not.toHaveProperty('refresh_token');
    expect(body.scope).toBe('openid');
    expect(decodeJwt(String(body.id_token))).not.toHaveProperty(RT_HASH_CLAIM);
  });
});
