/**
 * Where client keys come from: a jwks_uri (RFC 7591 §2) served over plain http on the loopback
 * (CIBA_ALLOW_HTTP_CLIENT_URLS, the local runner's setting), refetched once when a JWT names a kid
 * the cached set lacks; and X.509 certificates carried as x5c (RFC 7517 §4.7).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwkFromPemCertificate } from '../../lambdas/core/client-keys/x509.js';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { TEST_INITIAL_ACCESS_TOKEN } from '../support/constants.js';
import {
  approveAndRedeem,
  assertionForm,
  authReqIdOf,
  backchannelWithAssertion,
  clientAssertion,
  generateClientKey,
  idTokenClaims,
  jwks,
  requestObject,
  selfSignedCertificate,
  signedBackchannel,
  type ClientKey,
} from '../support/jwt.js';
import { call, expectError, poll, registerClient, type CallResult } from '../support/provider.js';

/** A client's own JWKS endpoint: each path serves the set put there, and every other path 404s. */
class JwksServer {
  private readonly server: Server;
  /** The body each path serves. */
  private readonly bodies = new Map<string, string>();
  private readonly hits = new Map<string, number>();
  private base = '';

  constructor() {
    this.server = createServer((request, response) => {
      const path = request.url ?? '';
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      const body = this.bodies.get(path);
      if (body === undefined) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** A fresh path, serving `keys` (or nothing: a 404) until `serve` changes it. */
  uri(...keys: ClientKey[]): string {
    const path = `/${randomUUID()}/jwks.json`;
    if (keys.length > 0) this.bodies.set(path, JSON.stringify(jwks(...keys)));
    return this.base + path;
  }

  serve(uri: string, ...keys: ClientKey[]): void {
    this.serveRaw(uri, JSON.stringify(jwks(...keys)));
  }

  serveRaw(uri: string, body: string): void {
    this.bodies.set(new URL(uri).pathname, body);
  }

  fetchesOf(uri: string): number {
    return this.hits.get(new URL(uri).pathname) ?? 0;
  }
}

const jwksServer = new JwksServer();
beforeAll(() => jwksServer.start());
afterAll(() => jwksServer.stop());

function register(metadata: Record<string, unknown>): Promise<CallResult> {
  return call('POST', '/register', {
    headers: { authorization: `Bearer ${TEST_INITIAL_ACCESS_TOKEN}` },
    json: { client_name: 'Key test client', backchannel_token_delivery_mode: 'poll', ...metadata },
  });
}

describe('jwks_uri', () => {
  it('verifies a signed request with a key served at http://127.0.0.1', async () => {
    const key = await generateClientKey('ES256');
    const uri = jwksServer.uri(key);
    const client = await registerClient({ jwks_uri: uri, backchannel_authentication_request_signing_alg: 'ES256' });
    authReqIdOf(await signedBackchannel(client, await requestObject(client, key)));
    expect(jwksServer.fetchesOf(uri)).toBe(1);
  });

  it('verifies a private_key_jwt assertion with a key served at http://127.0.0.1', async () => {
    const key = await generateClientKey('PS256');
    const client = await registerClient({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksServer.uri(key) });
    authReqIdOf(await backchannelWithAssertion(await clientAssertion(client, key), [['scope', 'openid'], ['login_hint', 'jane.doe']]));
  });

  it('after the client rotates its key at the jwks_uri, verifies a JWT with the new kid (one refetch)', async () => {
    const oldKey = await generateClientKey('ES256');
    const newKey = await generateClientKey('ES256');
    const uri = jwksServer.uri(oldKey);
    const client = await registerClient({ jwks_uri: uri, backchannel_authentication_request_signing_alg: 'ES256' });
    authReqIdOf(await signedBackchannel(client, await requestObject(client, oldKey)));
    expect(jwksServer.fetchesOf(uri)).toBe(1);

    jwksServer.serve(uri, newKey);
    authReqIdOf(await signedBackchannel(client, await requestObject(client, newKey)));
    expect(jwksServer.fetchesOf(uri)).toBe(2);
  });

  it('refuses a JWT whose kid is at the jwks_uri neither before nor after a refetch (400 invalid_request), fetching once more only', async () => {
    const key = await generateClientKey('ES256');
    const stranger = await generateClientKey('ES256');
    const uri = jwksServer.uri(key);
    const client = await registerClient({ jwks_uri: uri, backchannel_authentication_request_signing_alg: 'ES256' });
    authReqIdOf(await signedBackchannel(client, await requestObject(client, key)));
    expectError(await signedBackchannel(client, await requestObject(client, stranger)), 400, 'invalid_request');
    expect(jwksServer.fetchesOf(uri)).toBe(2);
  });

  it('answers a private_key_jwt assertion whose jwks_uri 404s with 401 invalid_client at both endpoints, never a server error', async () => {
    const key = await generateClientKey('ES256');
    const uri = jwksServer.uri();
    const client = await registerClient({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: uri });
    expectError(await backchannelWithAssertion(await clientAssertion(client, key), [['scope', 'openid'], ['login_hint', 'jane.doe']]), 401, 'invalid_client');
    const token = await call('POST', '/token', {
      form: [...assertionForm(await clientAssertion(client, key)), ['grant_type', CIBA_GRANT_TYPE], ['auth_req_id', 'no-such-request-0123456789']],
    });
    expectError(token, 401, 'invalid_client');
    expect(jwksServer.fetchesOf(uri)).toBeGreaterThan(0);
  });

  it('answers a request object whose jwks_uri 404s with 400 invalid_request, never a server error', async () => {
    const key = await generateClientKey('ES256');
    const uri = jwksServer.uri();
    const client = await registerClient({ jwks_uri: uri, backchannel_authentication_request_signing_alg: 'ES256' });
    expectError(await signedBackchannel(client, await requestObject(client, key)), 400, 'invalid_request');
    expect(jwksServer.fetchesOf(uri)).toBeGreaterThan(0);
  });

  it.each([
    ['HTML rather than JSON', '<html><body>Welcome</body></html>'],
    ['JSON that is not a JWK Set', '{"issuer":"https://client.example"}'],
    ['an empty JWK Set', '{"keys":[]}'],
  ])('answers a request object whose jwks_uri serves %s with 400 invalid_request', async (_name, body) => {
    const key = await generateClientKey('ES256');
    const uri = jwksServer.uri();
    jwksServer.serveRaw(uri, body);
    const client = await registerClient({ jwks_uri: uri, backchannel_authentication_request_signing_alg: 'ES256' });
    expectError(await signedBackchannel(client, await requestObject(client, key)), 400, 'invalid_request');
    expect(jwksServer.fetchesOf(uri)).toBeGreaterThan(0);
  });
});

describe('X.509 certificates (x5c)', () => {
  it('runs a signed request flow with an RS256 key registered as a JWK carrying its certificate in x5c', async () => {
    const certificate = selfSignedCertificate('rsa');
    const jwk = jwkFromPemCertificate(certificate.certificatePem, { kid: 'x509-key' });
    const client = await registerClient({ jwks: { keys: [jwk] }, backchannel_authentication_request_signing_alg: 'RS256' });
    const key: ClientKey = { alg: 'RS256', kid: 'x509-key', privateKey: certificate.privateKey, publicJwk: jwk };
    const authReqId = authReqIdOf(await signedBackchannel(client, await requestObject(client, key)));
    const tokens = await approveAndRedeem(authReqId, () => poll(client, authReqId));
    expect((await idTokenClaims(tokens, client.clientId)).sub).toBe('jane.doe');
  });

  it('refuses at registration a JWK whose x5c certificate holds another key (400 invalid_client_metadata)', async () => {
    const certificate = selfSignedCertificate('rsa');
    const otherKey = await generateClientKey('RS256');
    const { x5c } = jwkFromPemCertificate(certificate.certificatePem);
    expectError(await register({ jwks: { keys: [{ ...otherKey.publicJwk, x5c }] } }), 400, 'invalid_client_metadata');
  });

  it('refuses at registration a JWK whose x5c is not a certificate (400 invalid_client_metadata)', async () => {
    const key = await generateClientKey('RS256');
    expectError(await register({ jwks: { keys: [{ ...key.publicJwk, x5c: ['bm90IGEgY2VydGlmaWNhdGU='] }] } }), 400, 'invalid_client_metadata');
  });
});
