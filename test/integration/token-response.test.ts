/**
 * The successful token response of the CIBA grant (CIBA Core §10.1.1; RFC 6749 §5.1; OIDC Core §2,
 * §3.3.2.11; RFC 9068 for the JWT access token). One request is approved and redeemed once; every
 * test reads that response.
 */
import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_ISSUER } from '../support/constants.js';
import { call, decide, poll, registerClient, startAuthRequest, type CallResult, type TestClient } from '../support/provider.js';

let client: TestClient;
let authReqId: string;
let tokens: CallResult;
let jwks: JSONWebKeySet;

beforeAll(async () => {
  client = await registerClient();
  authReqId = await startAuthRequest(client, { scope: 'openid email' });
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  tokens = await poll(client, authReqId);
  jwks = (await call('GET', '/jwks')).json as unknown as JSONWebKeySet;
});

const accessToken = () => String(tokens.json.access_token);
const idToken = () => String(tokens.json.id_token);

describe('the token response', () => {
  it('is 200 with access_token, token_type Bearer, a numeric expires_in, id_token and Cache-Control: no-store', () => {
    expect(tokens.status, tokens.body).toBe(200);
    expect(tokens.headers['content-type']).toMatch(/^application\/json/);
    expect(tokens.headers['cache-control']).toBe('no-store');
    expect(tokens.json).toMatchObject({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      id_token: expect.any(String),
    });
    expect(tokens.json.expires_in).toBeGreaterThan(0);
  });
});

describe('the access token (RFC 9068)', () => {
  it('is a JWT with typ at+jwt that verifies against /jwks', async () => {
    const { protectedHeader } = await jwtVerify(accessToken(), createLocalJWKSet(jwks), { issuer: TEST_ISSUER, typ: 'at+jwt' });
    expect(protectedHeader.typ).toBe('at+jwt');
  });

  it('carries iss, sub, client_id, scope, exp, iat and jti', async () => {
    const { payload } = await jwtVerify(accessToken(), createLocalJWKSet(jwks), { issuer: TEST_ISSUER });
    expect(payload).toMatchObject({
      iss: TEST_ISSUER,
      sub: 'jane.doe',
      client_id: client.clientId,
      scope: 'openid email',
      exp: expect.any(Number),
      iat: expect.any(Number),
      jti: expect.any(String),
    });
    // The lifetime the response announces is the one the token carries.
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(tokens.json.expires_in);
  });
});

describe('the ID token (OIDC Core §2, CIBA Core §10.1.1)', () => {
  it('verifies against /jwks with a kid that /jwks lists', async () => {
    const { kid } = decodeProtectedHeader(idToken());
    expect(kid).toEqual(expect.any(String));
    expect(jwks.keys.map((key) => key.kid)).toContain(kid);
    await expect(jwtVerify(idToken(), createLocalJWKSet(jwks), { issuer: TEST_ISSUER, audience: client.clientId })).resolves.toBeTruthy();
  });

  it('has iss https://ciba.test, aud = client_id, sub jane.doe, iat, exp and auth_time', async () => {
    const { payload } = await jwtVerify(idToken(), createLocalJWKSet(jwks));
    expect(payload).toMatchObject({
      iss: 'https://ciba.test',
      aud: client.clientId,
      sub: 'jane.doe',
      iat: expect.any(Number),
      exp: expect.any(Number),
      auth_time: expect.any(Number),
    });
    expect(payload.exp).toBeGreaterThan(payload.iat ?? Infinity);
    // The user authenticated (approved) before the token was issued.
    expect(payload.auth_time).toBeLessThanOrEqual(payload.iat ?? -Infinity);
  });

  it('has at_hash equal to the left half of SHA-256 of the access token, base64url', async () => {
    const digest = createHash('sha256').update(accessToken(), 'ascii').digest();
    const expected = digest.subarray(0, 16).toString('base64url');
    const { payload } = await jwtVerify(idToken(), createLocalJWKSet(jwks));
    expect(payload.at_hash).toBe(expected);
  });

  it('carries the urn:openid:params:jwt:claim:auth_req_id claim of the request it completes', async () => {
    const { payload } = await jwtVerify(idToken(), createLocalJWKSet(jwks));
    expect(payload['urn:openid:params:jwt:claim:auth_req_id']).toBe(authReqId);
  });

  it('has no nonce (CIBA has no nonce parameter)', async () => {
    const { payload } = await jwtVerify(idToken(), createLocalJWKSet(jwks));
    expect(payload).not.toHaveProperty('nonce');
  });
});
