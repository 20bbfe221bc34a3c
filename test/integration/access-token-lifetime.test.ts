/**
 * A client's own access token lifetime (`access_token_lifetime`, this provider's registration
 * extension): registered within 60..86400 seconds and returned in the registration response; the
 * token response's expires_in, the JWT's exp, introspection, refreshes and push payloads follow it.
 * Clients that registered none keep CIBA_ACCESS_TOKEN_SECONDS.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../lambdas/config.js';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { endpointPaths } from '../../lambdas/routes.js';
import { TEST_INITIAL_ACCESS_TOKEN, TEST_ISSUER } from '../support/constants.js';
import { basic, call, decide, expectError, poll, registerClient, startAuthRequest, type CallResult, type TestClient } from '../support/provider.js';
import { notificationToken, useDeliveryHarness } from '../support/workers.js';

const LIFETIME = 120;
const harness = useDeliveryHarness('push');

let keys: ReturnType<typeof createLocalJWKSet>;
beforeAll(async () => {
  keys = createLocalJWKSet((await call('GET', '/jwks')).json as unknown as JSONWebKeySet);
});

async function tokensOf(client: TestClient, scope = 'openid'): Promise<CallResult> {
  const authReqId = await startAuthRequest(client, { scope });
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  const tokens = await poll(client, authReqId);
  expect(tokens.status, tokens.body).toBe(200);
  return tokens;
}

/** exp − iat of a verified access token. */
async function lifetimeOf(accessToken: string): Promise<number> {
  const { payload } = await jwtVerify(accessToken, keys, { issuer: TEST_ISSUER, typ: 'at+jwt' });
  return Number(payload.exp) - Number(payload.iat);
}

describe('registration of access_token_lifetime', () => {
  it('is returned in the registration response', async () => {
    const client = await registerClient({ access_token_lifetime: LIFETIME });
    expect(client.registration.access_token_lifetime).toBe(LIFETIME);
  });

  it('accepts the bounds, 60 and 86400', async () => {
    expect((await registerClient({ access_token_lifetime: 60 })).registration.access_token_lifetime).toBe(60);
    expect((await registerClient({ access_token_lifetime: 86_400 })).registration.access_token_lifetime).toBe(86_400);
  });

  it.each([59, 86_401, 0, -600, 600.5, '600', true])('refuses %j with 400 invalid_client_metadata', async (value) => {
    const result = await call('POST', endpointPaths.registration, {
      headers: { authorization: `Bearer ${TEST_INITIAL_ACCESS_TOKEN}` },
      json: { client_name: 'Lifetime', backchannel_token_delivery_mode: 'poll', access_token_lifetime: value },
    });
    expectError(result, 400, 'invalid_client_metadata');
    expect(result.json.error_description).toContain('access_token_lifetime');
  });
});

describe('access_token_lifetime through the operator CLI (npx ciba clients create --metadata)', () => {
  it('is stored and applies to the client’s tokens', async () => {
    const created = await harness.pipeline.cli(['clients', 'create', '--name', 'CLI lifetime', '--metadata', JSON.stringify({ access_token_lifetime: 300 }), '--json']);
    expect(created.code, created.stderr).toBe(0);
    const info = JSON.parse(created.stdout) as { client_id: string; client_secret: string; access_token_lifetime: number };
    expect(info.access_token_lifetime).toBe(300);
    const tokens = await tokensOf({ clientId: info.client_id, clientSecret: info.client_secret, registration: info });
    expect(tokens.json.expires_in).toBe(300);
    expect(await lifetimeOf(String(tokens.json.access_token))).toBe(300);
  });

  it('refuses an out-of-range lifetime, naming the field', async () => {
    const refused = await harness.pipeline.cli(['clients', 'create', '--metadata', JSON.stringify({ access_token_lifetime: 86_401 })]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toContain('access_token_lifetime');
  });
});

describe('the lifetime of the issued access tokens', () => {
  it('a client without one gets CIBA_ACCESS_TOKEN_SECONDS', async () => {
    const tokens = await tokensOf(await registerClient());
    expect(tokens.json.expires_in).toBe(config().tokens.accessTokenSeconds);
    expect(await lifetimeOf(String(tokens.json.access_token))).toBe(config().tokens.accessTokenSeconds);
  });

  it('the client’s lifetime: expires_in, the JWT exp and introspection agree', async () => {
    const client = await registerClient({ access_token_lifetime: LIFETIME });
    const tokens = await tokensOf(client);
    const accessToken = String(tokens.json.access_token);
    expect(tokens.json.expires_in).toBe(LIFETIME);
    expect(await lifetimeOf(accessToken)).toBe(LIFETIME);

    const introspection = await call('POST', endpointPaths.introspection, { headers: basic(client), form: { token: accessToken } });
    expect(introspection.status, introspection.body).toBe(200);
    expect(introspection.json.active).toBe(true);
    expect(Number(introspection.json.exp) - Number(introspection.json.iat)).toBe(LIFETIME);
  });

  it('a refresh issues access tokens of the client’s lifetime too', async () => {
    const client = await registerClient({ grant_types: [CIBA_GRANT_TYPE, 'refresh_token'], access_token_lifetime: LIFETIME });
    const tokens = await tokensOf(client, 'openid offline_access');
    const refreshed = await call('POST', endpointPaths.token, {
      headers: basic(client),
      form: { grant_type: 'refresh_token', refresh_token: String(tokens.json.refresh_token) },
    });
    expect(refreshed.status, refreshed.body).toBe(200);
    expect(refreshed.json.expires_in).toBe(LIFETIME);
    expect(await lifetimeOf(String(refreshed.json.access_token))).toBe(LIFETIME);
  });

  it('push mode: the pushed token response follows the client’s lifetime', async () => {
    const path = `/push/${randomUUID()}`;
    const client = await registerClient({
      backchannel_token_delivery_mode: 'push',
      backchannel_client_notification_endpoint: harness.receiver.url(path),
      access_token_lifetime: LIFETIME,
    });
    const authReqId = await startAuthRequest(client, { client_notification_token: notificationToken() });
    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const [push] = await harness.receiver.waitForRequests(path, 1, 10_000);
    const body = JSON.parse(push?.body ?? 'null') as Record<string, unknown>;
    expect(body.expires_in).toBe(LIFETIME);
    expect(await lifetimeOf(String(body.access_token))).toBe(LIFETIME);
  });
});
