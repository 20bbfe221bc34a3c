/**
 * Token introspection (RFC 7662): client authentication as at the token endpoint, a client's own
 * access tokens described in full, every other token `{"active": false}` and nothing more.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { providerSigner } from '../../lambdas/adapters/signing/signer.js';
import { config } from '../../lambdas/config.js';
import { signJwt } from '../../lambdas/core/jwt/sign-jwt.js';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { endpointPaths } from '../../lambdas/routes.js';
import { TEST_ISSUER } from '../support/constants.js';
import { assertionForm, clientAssertion, generateClientKey, jwks, nowSeconds, tamperSignature } from '../support/jwt.js';
import { basic, call, decide, expectError, poll, registerClient, startAuthRequest, type CallResult, type TestClient } from '../support/provider.js';

async function issueTokens(client: TestClient, form: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const authReqId = await startAuthRequest(client, { scope: 'openid email', ...form });
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  const tokens = await poll(client, authReqId);
  expect(tokens.status, tokens.body).toBe(200);
  return tokens.json;
}

/** An access token signed with the provider's own key (the test process shares its key file). */
function forgeAccessToken(client: TestClient, claims: Record<string, unknown> = {}): Promise<string> {
  const now = nowSeconds();
  const payload = { iss: TEST_ISSUER, sub: 'jane.doe', aud: TEST_ISSUER, client_id: client.clientId, scope: 'openid', jti: randomUUID(), iat: now, exp: now + 600, ...claims };
  return signJwt(providerSigner(config()), { typ: 'at+jwt' }, payload);
}

/** The CIBA flow for a client_secret_post client (poll() authenticates with Basic). */
async function issueTokensWithPost(client: TestClient): Promise<Record<string, unknown>> {
  const started = await call('POST', endpointPaths.backchannelAuthentication, {
    form: { client_id: client.clientId, client_secret: client.clientSecret, scope: 'openid', login_hint: 'jane.doe' },
  });
  expect(started.status, started.body).toBe(200);
  const authReqId = String(started.json.auth_req_id);
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  const tokens = await call('POST', endpointPaths.token, {
    form: { client_id: client.clientId, client_secret: client.clientSecret, grant_type: CIBA_GRANT_TYPE, auth_req_id: authReqId },
  });
  expect(tokens.status, tokens.body).toBe(200);
  return tokens.json;
}

function introspect(client: TestClient, form: Record<string, string>): Promise<CallResult> {
  return call('POST', endpointPaths.introspection, { headers: basic(client), form });
}

/** RFC 7662 §2.2: 200, JSON, no-store, and exactly `{"active": false}`. */
function expectInactive(result: CallResult): void {
  expect(result.status, result.body).toBe(200);
  expect(result.headers['content-type']).toMatch(/^application\/json/);
  expect(result.headers['cache-control']).toBe('no-store');
  expect(result.json).toEqual({ active: false });
}

describe('introspection of an active access token of the calling client', () => {
  it('describes it: active, scope, client_id, sub, exp, iat, iss, aud, jti, token_type, auth_time, with no-store', async () => {
    const client = await registerClient();
    const tokens = await issueTokens(client);
    const token = String(tokens.access_token);
    const claims = JSON.parse(Buffer.from(String(token.split('.')[1]), 'base64url').toString()) as Record<string, unknown>;
    const result = await introspect(client, { token });
    expect(result.status, result.body).toBe(200);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(result.json).toEqual({
      active: true,
      scope: 'openid email',
      client_id: client.clientId,
      token_type: 'Bearer',
      sub: 'jane.doe',
      iss: TEST_ISSUER,
      aud: TEST_ISSUER,
      jti: claims.jti,
      iat: claims.iat,
      exp: claims.exp,
      auth_time: claims.auth_time,
      ...(claims.acr !== undefined ? { acr: claims.acr } : {}),
      ...(claims.amr !== undefined ? { amr: claims.amr } : {}),
    });
  });

  it('carries the approved authorization_details (RFC 9396 §9.2) and acr', async () => {
    const client = await registerClient({ authorization_details_types: ['payment_initiation'] });
    const details = [{ type: 'payment_initiation', instructedAmount: { currency: 'GBP', amount: '12.34' }, creditorName: 'Merchant', creditorAccount: { sortCode: '123456', accountNumber: '12345589' } }];
    const tokens = await issueTokens(client, { authorization_details: JSON.stringify(details), binding_message: 'Pay 12.34 to Merchant', acr_values: 'ciba' });
    const result = await introspect(client, { token: String(tokens.access_token) });
    expect(result.json.active).toBe(true);
    expect(result.json.authorization_details).toEqual(tokens.authorization_details);
    expect(result.json.acr).toBe('ciba');
  });

  it('accepts either token_type_hint, and an unknown one, with the same answer', async () => {
    const client = await registerClient();
    const token = String((await issueTokens(client)).access_token);
    for (const hint of ['access_token', 'refresh_token', 'something_else']) {
      const result = await introspect(client, { token, token_type_hint: hint });
      expect(result.json.active, hint).toBe(true);
    }
  });

  it('authenticates clients as the token endpoint does: client_secret_post and private_key_jwt too', async () => {
    const postClient = await registerClient({ token_endpoint_auth_method: 'client_secret_post' });
    const posted = await call('POST', endpointPaths.introspection, {
      form: { client_id: postClient.clientId, client_secret: postClient.clientSecret, token: String((await issueTokensWithPost(postClient)).access_token) },
    });
    expect(posted.json.active, posted.body).toBe(true);

    const key = await generateClientKey('ES256');
    const jwtClient = await registerClient({ token_endpoint_auth_method: 'private_key_jwt', jwks: jwks(key) });
    const token = await forgeAccessToken(jwtClient);
    const asserted = await call('POST', endpointPaths.introspection, { form: [...assertionForm(await clientAssertion(jwtClient, key, { aud: TEST_ISSUER })), ['token', token]] });
    expect(asserted.json.active, asserted.body).toBe(true);
  });

  it('is advertised in discovery with the token endpoint authentication methods', async () => {
    const metadata = (await call('GET', endpointPaths.discovery)).json;
    expect(metadata.introspection_endpoint).toBe(TEST_ISSUER + endpointPaths.introspection);
    expect(metadata.introspection_endpoint_auth_methods_supported).toEqual(metadata.token_endpoint_auth_methods_supported);
    expect(metadata.introspection_endpoint_auth_signing_alg_values_supported).toEqual(metadata.token_endpoint_auth_signing_alg_values_supported);
  });
});

describe('introspection answers {"active": false} and nothing more', () => {
  it('for an expired access token', async () => {
    const client = await registerClient();
    const now = nowSeconds();
    expectInactive(await introspect(client, { token: await forgeAccessToken(client, { iat: now - 700, exp: now - 1 }) }));
  });

  it('for a revoked access token', async () => {
    const client = await registerClient();
    const token = String((await issueTokens(client)).access_token);
    expect((await introspect(client, { token })).json.active).toBe(true);
    const revoked = await call('POST', endpointPaths.revocation, { headers: basic(client), form: { token, token_type_hint: 'access_token' } });
    expect(revoked.status, revoked.body).toBe(200);
    expectInactive(await introspect(client, { token }));
  });

  it("for another client's active access token", async () => {
    const owner = await registerClient();
    const other = await registerClient();
    const token = String((await issueTokens(owner)).access_token);
    expectInactive(await introspect(other, { token }));
    expect((await introspect(owner, { token })).json.active).toBe(true);
  });

  it('for garbage, a tampered token, an ID token and a token of another issuer', async () => {
    const client = await registerClient();
    const tokens = await issueTokens(client);
    expectInactive(await introspect(client, { token: 'garbage' }));
    expectInactive(await introspect(client, { token: 'a.b.c' }));
    expectInactive(await introspect(client, { token: tamperSignature(String(tokens.access_token)) }));
    expectInactive(await introspect(client, { token: String(tokens.id_token) }));
    expectInactive(await introspect(client, { token: await forgeAccessToken(client, { iss: 'https://other.example' }) }));
  });

  it('for an unknown refresh-token-shaped string', async () => {
    const client = await registerClient();
    expectInactive(await introspect(client, { token: randomUUID(), token_type_hint: 'refresh_token' }));
  });
});

describe('introspection of refresh tokens', () => {
  const refreshClient = (): Promise<TestClient> => registerClient({ grant_types: [CIBA_GRANT_TYPE, 'refresh_token'] });
  const newRefreshToken = async (client: TestClient): Promise<string> => String((await issueTokens(client, { scope: 'openid offline_access' })).refresh_token);
  const refresh = (client: TestClient, refreshToken: string): Promise<CallResult> =>
    call('POST', endpointPaths.token, { headers: basic(client), form: { grant_type: 'refresh_token', refresh_token: refreshToken } });

  it("describes the calling client's active refresh token, without token_type, whatever the hint", async () => {
    const client = await refreshClient();
    const refreshToken = await newRefreshToken(client);
    for (const hint of [undefined, 'refresh_token', 'access_token']) {
      const result = await introspect(client, { token: refreshToken, ...(hint !== undefined ? { token_type_hint: hint } : {}) });
      expect(result.status, result.body).toBe(200);
      expect(result.headers['cache-control']).toBe('no-store');
      expect(result.json).toEqual({
        active: true,
        scope: 'openid offline_access',
        client_id: client.clientId,
        sub: 'jane.doe',
        iss: TEST_ISSUER,
        iat: expect.any(Number),
        exp: expect.any(Number),
        auth_time: expect.any(Number),
        ...(result.json.acr !== undefined ? { acr: result.json.acr } : {}),
        ...(result.json.amr !== undefined ? { amr: result.json.amr } : {}),
      });
      expect(Number(result.json.exp)).toBeGreaterThan(nowSeconds());
    }
  });

  it("is inactive for another client's refresh token", async () => {
    const owner = await refreshClient();
    const refreshToken = await newRefreshToken(owner);
    expectInactive(await introspect(await refreshClient(), { token: refreshToken }));
  });

  it('is inactive for a used (rotated) refresh token, active for its successor', async () => {
    const client = await refreshClient();
    const first = await newRefreshToken(client);
    const refreshed = await refresh(client, first);
    expect(refreshed.status, refreshed.body).toBe(200);
    expectInactive(await introspect(client, { token: first }));
    expect((await introspect(client, { token: String(refreshed.json.refresh_token) })).json.active).toBe(true);
  });

  it('is inactive for the newest refresh token of a grant revoked by reuse detection', async () => {
    const client = await refreshClient();
    const first = await newRefreshToken(client);
    const refreshed = await refresh(client, first);
    const second = String(refreshed.json.refresh_token);
    // Presenting the used token again revokes the grant; the second token itself is untouched.
    expectError(await refresh(client, first), 400, 'invalid_grant');
    expectInactive(await introspect(client, { token: second }));
  });

  it('is inactive once the refresh token is revoked', async () => {
    const client = await refreshClient();
    const refreshToken = await newRefreshToken(client);
    const revoked = await call('POST', endpointPaths.revocation, { headers: basic(client), form: { token: refreshToken, token_type_hint: 'refresh_token' } });
    expect(revoked.status, revoked.body).toBe(200);
    expectInactive(await introspect(client, { token: refreshToken }));
  });
});

describe('introspection errors (RFC 7662 §2.3), each with Cache-Control: no-store', () => {
  it('refuses a request without client authentication, or with a wrong secret, 401 invalid_client', async () => {
    const client = await registerClient();
    const token = String((await issueTokens(client)).access_token);
    expectError(await call('POST', endpointPaths.introspection, { form: { token } }), 401, 'invalid_client');
    expectError(await call('POST', endpointPaths.introspection, { headers: basic(client, 'wrong-secret'), form: { token } }), 401, 'invalid_client');
    expectError(await call('POST', endpointPaths.introspection, { form: { token, client_id: client.clientId } }), 401, 'invalid_client');
  });

  it('refuses a request without a token, 400 invalid_request', async () => {
    const client = await registerClient();
    expectError(await introspect(client, {}), 400, 'invalid_request');
  });

  it('refuses a body that is not form-encoded, and a repeated token', async () => {
    const client = await registerClient();
    expectError(await call('POST', endpointPaths.introspection, { headers: basic(client), json: { token: 'x' } }), 400, 'invalid_request');
    expectError(await call('POST', endpointPaths.introspection, { headers: basic(client), form: [['token', 'a'], ['token', 'b']] }), 400, 'invalid_request');
  });

  it('has no GET', async () => {
    const result = await call('GET', endpointPaths.introspection);
    expect(result.status).not.toBe(200);
  });
});
