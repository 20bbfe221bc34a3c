/**
 * OpenID Provider metadata (OIDC Discovery §3, RFC 8414 §2, CIBA Core §4) and the JWK Set (RFC 7517 §5).
 */
import { calculateJwkThumbprint, type JWK } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { endpointPaths } from '../../lambdas/routes.js';
import { matchRoute } from '../../local/router.js';
import { TEST_INITIAL_ACCESS_TOKEN, TEST_ISSUER } from '../support/constants.js';
import { ALL_FEATURES, call } from '../support/provider.js';

describe('GET /.well-known/openid-configuration', () => {
  let metadata: Record<string, unknown>;

  beforeAll(async () => {
    const result = await call('GET', endpointPaths.discovery);
    expect(result.status, result.body).toBe(200);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    metadata = result.json;
  });

  it('names the issuer exactly as configured (OIDC Discovery §3, §4.3)', () => {
    expect(metadata.issuer).toBe(TEST_ISSUER);
  });

  it('gives every endpoint as the issuer plus its path from the route table', () => {
    expect(metadata).toMatchObject({
      token_endpoint: TEST_ISSUER + endpointPaths.token,
      backchannel_authentication_endpoint: TEST_ISSUER + endpointPaths.backchannelAuthentication,
      jwks_uri: TEST_ISSUER + endpointPaths.jwks,
      registration_endpoint: TEST_ISSUER + endpointPaths.registration,
    });
  });

  it('advertises only endpoints the API actually serves, with the method they are used with', () => {
    const used: [string, string][] = [
      ['token_endpoint', 'POST'],
      ['backchannel_authentication_endpoint', 'POST'],
      ['jwks_uri', 'GET'],
      ['registration_endpoint', 'POST'],
    ];
    for (const [member, method] of used) {
      const url = String(metadata[member]);
      expect(url.startsWith(TEST_ISSUER), member).toBe(true);
      const found = matchRoute(method, url.slice(TEST_ISSUER.length), ALL_FEATURES);
      expect(typeof found === 'object' && found !== null, `${member} ${url}`).toBe(true);
    }
  });

  it('offers the CIBA grant and, by default, all three delivery modes (CIBA Core §4, §5)', () => {
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining([CIBA_GRANT_TYPE]));
    expect(metadata.backchannel_token_delivery_modes_supported).toEqual(['poll', 'ping', 'push']);
  });

  it('lists asymmetric request signing algorithms only: never none, never HMAC', () => {
    const algs = metadata.backchannel_authentication_request_signing_alg_values_supported;
    expect(Array.isArray(algs)).toBe(true);
    expect((algs as unknown[]).length).toBeGreaterThan(0);
    for (const alg of algs as unknown[]) {
      expect(typeof alg).toBe('string');
      expect(String(alg).toLowerCase()).not.toBe('none');
      expect(String(alg)).not.toMatch(/^HS/);
    }
  });

  it('states whether user codes are supported, as a boolean', () => {
    expect(typeof metadata.backchannel_user_code_parameter_supported).toBe('boolean');
  });

  it('lists confidential client authentication methods, without none', () => {
    const methods = metadata.token_endpoint_auth_methods_supported;
    expect(methods).toEqual(expect.arrayContaining(['client_secret_basic']));
    expect(methods).not.toContain('none');
  });

  it('lists the signing algorithms for private_key_jwt, without none (RFC 8414 §2)', () => {
    expect(metadata.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    const algs = metadata.token_endpoint_auth_signing_alg_values_supported as unknown[];
    expect(Array.isArray(algs) && algs.length > 0).toBe(true);
    expect(algs).not.toContain('none');
  });

  it('states the subject identifier types (OIDC Discovery §3)', () => {
    expect(metadata.subject_types_supported).toEqual(expect.arrayContaining(['public']));
  });

  it('signs ID tokens with ES256 only', () => {
    expect(metadata.id_token_signing_alg_values_supported).toEqual(['ES256']);
  });

  it('lists openid among the scopes, and non-empty acr values and claims', () => {
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid']));
    for (const member of ['acr_values_supported', 'claims_supported']) {
      const values = metadata[member];
      expect(Array.isArray(values), member).toBe(true);
      expect((values as unknown[]).length, member).toBeGreaterThan(0);
      expect((values as unknown[]).every((value) => typeof value === 'string' && value.length > 0), member).toBe(true);
    }
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['sub', 'iss', 'aud', 'exp', 'iat']));
  });

  it('advertises no client authentication method and no scope that registration would refuse', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), use: 'sig' }] };
    const register = (metadata: Record<string, unknown>) =>
      call('POST', endpointPaths.registration, {
        headers: { authorization: `Bearer ${TEST_INITIAL_ACCESS_TOKEN}` },
        json: { backchannel_token_delivery_mode: 'poll', ...metadata },
      });
    for (const method of metadata.token_endpoint_auth_methods_supported as string[]) {
      const result = await register({ token_endpoint_auth_method: method, ...(method === 'private_key_jwt' ? { jwks } : {}) });
      expect(result.status, `${method}: ${result.body}`).toBe(201);
    }
    const result = await register({ scope: (metadata.scopes_supported as string[]).join(' ') });
    expect(result.status, result.body).toBe(201);
  });

  it('advertises no request signing algorithm that registration would refuse', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), use: 'sig' }] };
    for (const alg of metadata.backchannel_authentication_request_signing_alg_values_supported as string[]) {
      const result = await call('POST', endpointPaths.registration, {
        headers: { authorization: `Bearer ${TEST_INITIAL_ACCESS_TOKEN}` },
        json: { backchannel_token_delivery_mode: 'poll', jwks, backchannel_authentication_request_signing_alg: alg },
      });
      expect(result.status, `${alg}: ${result.body}`).toBe(201);
    }
  });
});

describe('GET /jwks', () => {
  it('publishes public signing keys only, each with kid, use sig and alg ES256', async () => {
    const result = await call('GET', endpointPaths.jwks);
    expect(result.status, result.body).toBe(200);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    const keys = result.json.keys as Record<string, unknown>[];
    expect(Array.isArray(keys)).toBe(true);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) expect(key).not.toHaveProperty(privateMember);
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', kid: expect.any(String), use: 'sig', alg: 'ES256' });
      expect(String(key.kid).length).toBeGreaterThan(0);
    }
    expect(new Set(keys.map((key) => key.kid)).size).toBe(keys.length);
  });

  it('names each key by its RFC 7638 thumbprint', async () => {
    const keys = (await call('GET', endpointPaths.jwks)).json.keys as JWK[];
    for (const key of keys) expect(key.kid).toBe(await calculateJwkThumbprint(key, 'sha256'));
  });
});
