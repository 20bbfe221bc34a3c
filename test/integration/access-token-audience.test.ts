/**
 * A configured default audience (CIBA_ACCESS_TOKEN_AUDIENCE): the aud of access tokens whose request
 * named no resource (RFC 8707). Userinfo, the OP's own resource, refuses such tokens unless they name
 * the issuer; the token endpoint may narrow to one of the default audiences.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../lambdas/config.js';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { endpointPaths } from '../../lambdas/routes.js';
import { applyEnvironment } from '../../local/options.js';
import { TEST_ISSUER } from '../support/constants.js';
import { backchannel, basic, call, decide, expectError, registerClient, type CallResult, type TestClient } from '../support/provider.js';

const API = 'https://api.example.com';
const REPORTS = 'https://reports.example.com';
// Before any handler reads the configuration (it is read once, on first use, in this test process).
applyEnvironment({ CIBA_ACCESS_TOKEN_AUDIENCE: `${API} ${REPORTS}` });

let client: TestClient;
let keys: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  client = await registerClient();
  keys = createLocalJWKSet((await call('GET', '/jwks')).json as unknown as JSONWebKeySet);
});

async function tokens(resources: readonly string[], atToken: readonly string[] = []): Promise<CallResult> {
  const started = await backchannel(client, [['scope', 'openid'], ['login_hint', 'jane.doe'], ...resources.map((resource): [string, string] => ['resource', resource])]);
  expect(started.status, started.body).toBe(200);
  const authReqId = String(started.json.auth_req_id);
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  return call('POST', endpointPaths.token, {
    headers: basic(client),
    form: [['grant_type', CIBA_GRANT_TYPE], ['auth_req_id', authReqId], ...atToken.map((resource): [string, string] => ['resource', resource])],
  });
}

async function audienceOf(result: CallResult): Promise<unknown> {
  expect(result.status, result.body).toBe(200);
  return (await jwtVerify(String(result.json.access_token), keys, { issuer: TEST_ISSUER, typ: 'at+jwt' })).payload.aud;
}

const userinfo = (token: string): Promise<CallResult> => call('GET', endpointPaths.userinfo, { headers: { authorization: `Bearer ${token}` } });

describe('CIBA_ACCESS_TOKEN_AUDIENCE', () => {
  it('is read as the list configured', () => {
    expect(config().tokens.accessTokenAudience).toEqual([API, REPORTS]);
  });

  it('is the aud of a token whose request named no resource', async () => {
    expect(await audienceOf(await tokens([]))).toEqual([API, REPORTS]);
  });

  it('gives way to the resources the request names', async () => {
    expect(await audienceOf(await tokens([TEST_ISSUER]))).toBe(TEST_ISSUER);
  });

  it('the token endpoint may narrow to one of the default audiences, and to nothing else', async () => {
    expect(await audienceOf(await tokens([], [REPORTS]))).toBe(REPORTS);
    expectError(await tokens([], [TEST_ISSUER]), 400, 'invalid_target');
  });

  it('userinfo refuses a token with the default audience that does not name the issuer, and serves one that asked for the issuer', async () => {
    expectError(await userinfo(String((await tokens([])).json.access_token)), 401, 'invalid_token');
    expect((await userinfo(String((await tokens([API, TEST_ISSUER])).json.access_token))).status).toBe(200);
  });
});
