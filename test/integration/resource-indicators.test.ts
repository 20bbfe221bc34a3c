/**
 * Resource indicators (RFC 8707) for the access token's audience: `resource` at the backchannel
 * endpoint (form, repeated, or inside a signed request object) becomes aud; the token endpoint and a
 * refresh may narrow it to requested resources only; userinfo serves only tokens naming the issuer.
 */
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { endpointPaths } from '../../lambdas/routes.js';
import { TEST_ISSUER } from '../support/constants.js';
import { authReqIdOf, generateClientKey, jwks, requestObject, signedBackchannel } from '../support/jwt.js';
import { backchannel, basic, call, decide, expectError, poll, registerClient, type CallResult, type TestClient } from '../support/provider.js';

const API = 'https://api.example.com/payments';
const LEDGER = 'urn:example:ledger';

let client: TestClient;
let keys: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  client = await registerClient({ grant_types: [CIBA_GRANT_TYPE, 'refresh_token'] });
  keys = createLocalJWKSet((await call('GET', '/jwks')).json as unknown as JSONWebKeySet);
});

/** A backchannel request for jane.doe with `resources`, approved: its auth_req_id. */
async function approvedRequest(who: TestClient, resources: readonly string[], scope = 'openid'): Promise<string> {
  const authReqId = authReqIdOf(await backchannel(who, [['scope', scope], ['login_hint', 'jane.doe'], ...resources.map((resource): [string, string] => ['resource', resource])]));
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  return authReqId;
}

function redeem(who: TestClient, authReqId: string, resources: readonly string[] = []): Promise<CallResult> {
  return call('POST', endpointPaths.token, {
    headers: basic(who),
    form: [['grant_type', CIBA_GRANT_TYPE], ['auth_req_id', authReqId], ...resources.map((resource): [string, string] => ['resource', resource])],
  });
}

function refresh(who: TestClient, refreshToken: string, resources: readonly string[] = []): Promise<CallResult> {
  return call('POST', endpointPaths.token, {
    headers: basic(who),
    form: [['grant_type', 'refresh_token'], ['refresh_token', refreshToken], ...resources.map((resource): [string, string] => ['resource', resource])],
  });
}

/** The aud of a 200 token response's access token, its signature verified. */
async function audienceOf(tokens: CallResult): Promise<unknown> {
  expect(tokens.status, tokens.body).toBe(200);
  const { payload } = await jwtVerify(String(tokens.json.access_token), keys, { issuer: TEST_ISSUER, typ: 'at+jwt' });
  return payload.aud;
}

describe('the access token audience from the backchannel request (RFC 8707 section 2)', () => {
  it('without resource: the default audience, the issuer', async () => {
    expect(await audienceOf(await poll(client, await approvedRequest(client, [])))).toBe(TEST_ISSUER);
  });

  it('one resource: aud is that resource, as a string', async () => {
    expect(await audienceOf(await poll(client, await approvedRequest(client, [API])))).toBe(API);
  });

  it('resource repeated: aud is the array of them, in order, duplicates dropped', async () => {
    expect(await audienceOf(await poll(client, await approvedRequest(client, [API, LEDGER, API])))).toEqual([API, LEDGER]);
  });

  it('a duplicated scope is still invalid_request (RFC 6749 section 3.1): only resource may repeat', async () => {
    const result = await backchannel(client, [['scope', 'openid'], ['scope', 'openid email'], ['login_hint', 'jane.doe']]);
    expectError(result, 400, 'invalid_request');
    expect(result.json.error_description).toContain('scope');
  });

  it.each([
    ['a relative URI', '/payments'],
    ['a URI with a fragment', 'https://api.example.com/payments#section'],
    ['an empty fragment', 'https://api.example.com/#'],
    ['no URI at all', 'payments api'],
  ])('refuses %s with 400 invalid_target', async (_what, resource) => {
    expectError(await backchannel(client, [['scope', 'openid'], ['login_hint', 'jane.doe'], ['resource', API], ['resource', resource]]), 400, 'invalid_target');
  });

  it('refuses more than ten resources with invalid_target', async () => {
    const many = Array.from({ length: 11 }, (_, index): [string, string] => ['resource', `https://rs${index}.example.com`]);
    expectError(await backchannel(client, [['scope', 'openid'], ['login_hint', 'jane.doe'], ...many]), 400, 'invalid_target');
  });
});

describe('resource inside a signed request object (CIBA Core 7.1.1)', () => {
  let signing: TestClient;
  let key: Awaited<ReturnType<typeof generateClientKey>>;
  beforeAll(async () => {
    key = await generateClientKey('ES256');
    signing = await registerClient({ jwks: jwks(key), backchannel_authentication_request_signing_alg: 'ES256' });
  });

  async function signedTokens(claims: Record<string, unknown>): Promise<CallResult> {
    const authReqId = authReqIdOf(await signedBackchannel(signing, await requestObject(signing, key, claims)));
    expect((await decide(authReqId, 'allow')).status).toBe(200);
    return poll(signing, authReqId);
  }

  it('a string claim: aud is that resource', async () => {
    expect(await audienceOf(await signedTokens({ resource: API }))).toBe(API);
  });

  it('an array claim: aud is the array', async () => {
    expect(await audienceOf(await signedTokens({ resource: [API, LEDGER] }))).toEqual([API, LEDGER]);
  });

  it('a resource with a fragment inside the JWT is invalid_target', async () => {
    expectError(await signedBackchannel(signing, await requestObject(signing, key, { resource: [`${API}#x`] })), 400, 'invalid_target');
  });

  it('a resource claim that is neither a string nor an array of strings is invalid_request', async () => {
    expectError(await signedBackchannel(signing, await requestObject(signing, key, { resource: { uri: API } })), 400, 'invalid_request');
  });

  it('resource beside the signed request, in the form, is invalid_request', async () => {
    expectError(await signedBackchannel(signing, await requestObject(signing, key), [['resource', API]]), 400, 'invalid_request');
  });
});

describe('resource at the token endpoint, CIBA grant (RFC 8707 section 2.2)', () => {
  it('narrows the audience to one of the requested resources', async () => {
    const authReqId = await approvedRequest(client, [API, LEDGER]);
    expect(await audienceOf(await redeem(client, authReqId, [LEDGER]))).toBe(LEDGER);
  });

  it('a resource that was not requested is invalid_target, and the approved request is not spent by it', async () => {
    const authReqId = await approvedRequest(client, [API]);
    expectError(await redeem(client, authReqId, ['https://elsewhere.example.com']), 400, 'invalid_target');
    // The refused token request did not use up the one poll that may redeem the approval.
    expect(await audienceOf(await redeem(client, authReqId))).toBe(API);
  });

  it('without resources in the request, only the default audience may be named', async () => {
    const authReqId = await approvedRequest(client, []);
    expectError(await redeem(client, authReqId, [API]), 400, 'invalid_target');
    expect(await audienceOf(await redeem(client, authReqId, [TEST_ISSUER]))).toBe(TEST_ISSUER);
  });

  it('a malformed resource is invalid_target even for an unknown auth_req_id', async () => {
    expectError(await redeem(client, 'unknown-auth-req-id', ['relative/path']), 400, 'invalid_target');
  });

  it('an unknown auth_req_id with a well-formed resource is still invalid_grant', async () => {
    expectError(await redeem(client, 'unknown-auth-req-id', [API]), 400, 'invalid_grant');
  });
});

describe('resource on refresh (RFC 8707 section 2.2; the grant keeps the original set)', () => {
  async function grantRefreshToken(): Promise<{ tokens: CallResult; refreshToken: string }> {
    const authReqId = await approvedRequest(client, [API, LEDGER], 'openid offline_access');
    // The first access token is narrowed; the grant behind the refresh token is not.
    const tokens = await redeem(client, authReqId, [API]);
    expect(await audienceOf(tokens)).toBe(API);
    return { tokens, refreshToken: String(tokens.json.refresh_token) };
  }

  it('a refresh without resource gets every requested resource, one with resource only those', async () => {
    const { refreshToken } = await grantRefreshToken();
    const first = await refresh(client, refreshToken);
    expect(await audienceOf(first)).toEqual([API, LEDGER]);
    const second = await refresh(client, String(first.json.refresh_token), [LEDGER]);
    expect(await audienceOf(second)).toBe(LEDGER);
    // Narrowing one refresh does not narrow the grant.
    expect(await audienceOf(await refresh(client, String(second.json.refresh_token)))).toEqual([API, LEDGER]);
  });

  it('a resource outside the grant is invalid_target and leaves the refresh token usable', async () => {
    const { refreshToken } = await grantRefreshToken();
    expectError(await refresh(client, refreshToken, ['https://elsewhere.example.com']), 400, 'invalid_target');
    expectError(await refresh(client, refreshToken, ['not a uri']), 400, 'invalid_target');
    expect(await audienceOf(await refresh(client, refreshToken, [LEDGER]))).toBe(LEDGER);
  });
});

describe('userinfo and introspection with resource-bound tokens', () => {
  const userinfo = (token: string): Promise<CallResult> => call('GET', endpointPaths.userinfo, { headers: { authorization: `Bearer ${token}` } });

  it('userinfo refuses a token issued for another resource server only (401 invalid_token)', async () => {
    const tokens = await poll(client, await approvedRequest(client, [API]));
    expect(await audienceOf(tokens)).toBe(API);
    const result = await userinfo(String(tokens.json.access_token));
    expectError(result, 401, 'invalid_token');
    expect(result.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  it('userinfo serves a token that names the issuer besides another resource', async () => {
    const tokens = await poll(client, await approvedRequest(client, [API, TEST_ISSUER]));
    const result = await userinfo(String(tokens.json.access_token));
    expect(result.status, result.body).toBe(200);
    expect(result.json.sub).toBe('jane.doe');
  });

  it('userinfo serves a token whose audience is the userinfo endpoint itself', async () => {
    const endpoint = `${TEST_ISSUER}${endpointPaths.userinfo}`;
    const tokens = await poll(client, await approvedRequest(client, [endpoint]));
    expect((await userinfo(String(tokens.json.access_token))).status).toBe(200);
  });

  it('introspection reports aud as issued', async () => {
    const tokens = await poll(client, await approvedRequest(client, [API, LEDGER]));
    const token = String(tokens.json.access_token);
    const result = await call('POST', endpointPaths.introspection, { headers: basic(client), form: { token } });
    expect(result.status, result.body).toBe(200);
    expect(result.json).toMatchObject({ active: true, aud: [API, LEDGER] });
    expect(decodeJwt(token).aud).toEqual([API, LEDGER]);
  });
});
