/**
 * The reference external authentication service (examples/reference-external-service/) on its own:
 * the provider's calls to it (verify-user, start-authentication) with HTTP Basic and with provider
 * JWTs verified against a JWKS served from a tiny local server, its down switch and failure script,
 * and its control API calling a fake provider callback. Everything on 127.0.0.1; every wait bounded.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseUsers } from '../../../examples/reference-external-service/options.js';
import { startReferenceService, type ReferenceService, type ReferenceServiceOptions } from '../../../examples/reference-external-service/server.js';
import { closedPort, startReceiver, type Receiver } from '../../support/receiver.js';

const USERNAME = 'ciba-provider';
const PASSWORD = 'correct horse battery staple';
const PROVIDER_ISSUER = 'https://provider.test';
const USERS = [
  { sub: 'alice', allowed: true },
  { sub: 'bob', allowed: false, reason: 'account blocked' },
  { sub: 'carol', allowed: false },
] as const;
const TIMEOUT_MS = 5000;

const basicHeader = (username = USERNAME, password = PASSWORD): string => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

async function call(url: string, init: { method?: string; authorization?: string; body?: unknown; rawBody?: string; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  const body = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const response = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const verifyBody = (sub: string): Record<string, unknown> => ({ sub, login_hint: sub, client_id: 'client-1', client_name: 'Point of sale', scope: 'openid profile', acr: 'bank-app', binding_message: 'EB-0246' });

function startBody(authReqId: string, callbackUrl: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    auth_req_id: authReqId,
    sub: 'alice',
    login_hint: 'alice@example.com',
    client_id: 'client-1',
    client_name: 'Point of sale',
    scope: 'openid profile email',
    binding_message: 'Pay £50 to Acme? (EB-0246)',
    authorization_details: [{ type: 'payment_initiation', instructedAmount: { currency: 'GBP', amount: '50.00' } }],
    acr: 'bank-app',
    openbanking_intent_id: 'urn:ob:intent:1',
    expires_at: new Date(Date.now() + 300_000).toISOString(),
    callback: { url: callbackUrl, credential: `cred-${authReqId}` },
    ...overrides,
  };
}

const services: ReferenceService[] = [];
async function service(options: Partial<ReferenceServiceOptions> = {}): Promise<ReferenceService> {
  const started = await startReferenceService({ users: USERS, basic: { username: USERNAME, password: PASSWORD }, ...options });
  services.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(services.splice(0).map((started) => started.stop()));
});

describe('reference external service: HTTP Basic', () => {
  it('accepts the configured credentials and refuses others with 401 and a Basic challenge', async () => {
    const ref = await service();
    expect(await call(`${ref.url}/verify-user`, { authorization: basicHeader(), body: verifyBody('alice') })).toMatchObject({ status: 200, body: { result: 'ok' } });

    for (const authorization of [undefined, basicHeader(USERNAME, 'wrong'), basicHeader('someone-else', PASSWORD), 'Basic not-base64-colon', 'Bearer abc.def.ghi', 'Digest x']) {
      const refused = await call(`${ref.url}/verify-user`, { ...(authorization !== undefined ? { authorization } : {}), body: verifyBody('alice') });
      expect(refused.status, String(authorization)).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(refused.body.error).toBeTypeOf('string');
    }
    expect(ref.state.calls.map((received) => received.auth)).toEqual(['basic', 'refused', 'refused', 'refused', 'refused', 'refused', 'refused']);
  });

  it('protects start-authentication the same way, and starts nothing when refused', async () => {
    const ref = await service();
    const refused = await call(`${ref.url}/start-authentication`, { authorization: basicHeader(USERNAME, 'nope'), body: startBody('r-1', 'http://127.0.0.1:1/cb') });
    expect(refused.status).toBe(401);
    expect(ref.state.authentications.size).toBe(0);
  });

  it('refuses to start without any way to authenticate the provider', async () => {
    await expect(startReferenceService({ users: USERS })).rejects.toThrow(/basic credentials, a JWT issuer/);
  });
});

describe('reference external service: provider JWTs', () => {
  let jwksServer: Server;
  let jwksUrl: string;
  let providerKey: CryptoKey;
  let otherKey: CryptoKey;
  let jwksFetches = 0;

  beforeAll(async () => {
    const provider = await generateKeyPair('ES256', { extractable: true });
    providerKey = provider.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const publicJwk: JWK = { ...(await exportJWK(provider.publicKey)), kid: 'provider-key-1', alg: 'ES256', use: 'sig' };
    jwksServer = createServer((request, response) => {
      jwksFetches++;
      if (request.url !== '/jwks') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    });
    const port = await new Promise<number>((resolve) => jwksServer.listen(0, '127.0.0.1', () => resolve((jwksServer.address() as AddressInfo).port)));
    jwksUrl = `http://127.0.0.1:${port}/jwks`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  });

  const now = (): number => Math.floor(Date.now() / 1000);
  async function providerJwt(audience: string, overrides: JWTPayload = {}, key: CryptoKey = providerKey): Promise<string> {
    const iat = now();
    return new SignJWT({ iss: PROVIDER_ISSUER, aud: audience, iat, exp: iat + 60, jti: randomUUID(), ...overrides })
      .setProtectedHeader({ alg: 'ES256', kid: 'provider-key-1', typ: 'JWT' })
      .sign(key);
  }

  it('accepts a JWT signed by the provider key for its audience, and records its claims', async () => {
    const ref = await service({ basic: undefined, jwt: { issuer: PROVIDER_ISSUER, jwksUrl } });
    const token = await providerJwt(ref.publicUrl);
    const answer = await call(`${ref.url}/verify-user`, { authorization: `Bearer ${token}`, body: verifyBody('alice') });
    expect(answer).toMatchObject({ status: 200, body: { result: 'ok' } });
    expect(ref.state.calls[0]).toMatchObject({ operation: 'verify-user', auth: 'jwt', answer: 200, jwtClaims: { iss: PROVIDER_ISSUER, aud: ref.publicUrl } });
    expect(jwksFetches).toBeGreaterThan(0);
  });

  it('checks the audience against the public URL the provider is configured with', async () => {
    const ref = await service({ basic: undefined, jwt: { issuer: PROVIDER_ISSUER, jwksUrl }, publicUrl: 'https://auth-service.example/' });
    expect(ref.publicUrl).toBe('https://auth-service.example');
    expect((await call(`${ref.url}/verify-user`, { authorization: `Bearer ${await providerJwt('https://auth-service.example')}`, body: verifyBody('alice') })).status).toBe(200);
    expect((await call(`${ref.url}/verify-user`, { authorization: `Bearer ${await providerJwt(ref.url)}`, body: verifyBody('alice') })).status).toBe(401);
  });

  it('refuses wrong issuer, audience, key, algorithm, expired, long-lived, jti-less and replayed JWTs', async () => {
    const ref = await service({ basic: undefined, jwt: { issuer: PROVIDER_ISSUER, jwksUrl } });
    const aud = ref.publicUrl;
    const replayed = await providerJwt(aud);
    expect((await call(`${ref.url}/verify-user`, { authorization: `Bearer ${replayed}`, body: verifyBody('alice') })).status).toBe(200);

    const hmacKey = new TextEncoder().encode('a shared secret that is long enough for HS256');
    const cases: [string, string][] = [
      ['wrong issuer', await providerJwt(aud, { iss: 'https://someone-else.test' })],
      ['wrong audience', await providerJwt(aud, { aud: 'https://another-service.test' })],
      ['another key', await providerJwt(aud, {}, otherKey)],
      ['HS256', await new SignJWT({ iss: PROVIDER_ISSUER, aud, iat: now(), exp: now() + 60, jti: randomUUID() }).setProtectedHeader({ alg: 'HS256' }).sign(hmacKey)],
      ['expired', await providerJwt(aud, { iat: now() - 300, exp: now() - 240 })],
      ['lives too long', await providerJwt(aud, { exp: now() + 3600 })],
      ['no jti', await providerJwt(aud, { jti: undefined })],
      ['replayed', replayed],
      ['not a JWT', 'not-a-jwt'],
    ];
    for (const [name, token] of cases) {
      const refused = await call(`${ref.url}/verify-user`, { authorization: `Bearer ${token}`, body: verifyBody('alice') });
      expect(refused.status, name).toBe(401);
      expect(refused.body.error, name).toBe('invalid_token');
      expect(refused.headers.get('www-authenticate'), name).toMatch(/^Bearer realm="[^"]+", error="invalid_token"$/);
    }
    // Basic is not configured here.
    expect((await call(`${ref.url}/verify-user`, { authorization: basicHeader(), body: verifyBody('alice') })).status).toBe(401);
  });

  it('accepts either scheme when both are configured', async () => {
    const ref = await service({ jwt: { issuer: PROVIDER_ISSUER, jwksUrl } });
    expect((await call(`${ref.url}/verify-user`, { authorization: basicHeader(), body: verifyBody('alice') })).status).toBe(200);
    expect((await call(`${ref.url}/verify-user`, { authorization: `Bearer ${await providerJwt(ref.publicUrl)}`, body: verifyBody('alice') })).status).toBe(200);
    const refused = await call(`${ref.url}/verify-user`, { body: verifyBody('alice') });
    expect(refused.headers.get('www-authenticate')).toBe('Basic realm="reference-external-service", charset="UTF-8", Bearer realm="reference-external-service"');
  });
});

describe('reference external service: verify-user', () => {
  it('answers ok, not_allowed (with the reason when there is one) and unknown_user', async () => {
    const ref = await service();
    const verify = async (sub: string): Promise<Answer> => call(`${ref.url}/verify-user`, { authorization: basicHeader(), body: verifyBody(sub) });
    expect((await verify('alice')).body).toEqual({ result: 'ok' });
    expect((await verify('bob')).body).toEqual({ result: 'not_allowed', reason: 'account blocked' });
    expect((await verify('carol')).body).toEqual({ result: 'not_allowed' });
    expect((await verify('dave')).body).toEqual({ result: 'unknown_user' });
    expect(ref.state.calls.map((received) => received.answer)).toEqual([200, 200, 200, 200]);
  });

  it('follows user changes made through the control API', async () => {
    const ref = await service();
    expect((await call(`${ref.url}/control/users/dave`, { method: 'PUT', body: { allowed: false, reason: 'under review' } })).status).toBe(200);
    expect((await call(`${ref.url}/verify-user`, { authorization: basicHeader(), body: verifyBody('dave') })).body).toEqual({ result: 'not_allowed', reason: 'under review' });
    expect((await call(`${ref.url}/control/users/dave`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${ref.url}/verify-user`, { authorization: basicHeader(), body: verifyBody('dave') })).body).toEqual({ result: 'unknown_user' });
  });

  it('answers 400 invalid_request to a malformed body, and 405 to another method', async () => {
    const ref = await service();
    for (const [name, init] of [
      ['no sub', { body: { client_id: 'c', scope: 'openid' } }],
      ['sub not a string', { body: { sub: 7, client_id: 'c', scope: 'openid' } }],
      ['no scope', { body: { sub: 'alice', client_id: 'c' } }],
      ['acr not a string', { body: { ...verifyBody('alice'), acr: ['x'] } }],
      ['not JSON', { rawBody: '{"sub":' }],
      ['an array', { body: [verifyBody('alice')] }],
      ['a form', { rawBody: 'sub=alice&client_id=c&scope=openid', contentType: 'application/x-www-form-urlencoded' }],
    ] as const) {
      const answer = await call(`${ref.url}/verify-user`, { authorization: basicHeader(), ...init });
      expect(answer.status, name).toBe(400);
      expect(answer.body.error, name).toBe('invalid_request');
    }
    const get = await call(`${ref.url}/verify-user`, { authorization: basicHeader() });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('reference external service: start-authentication', () => {
  it('records a started authentication with its callback, and lists it', async () => {
    const ref = await service();
    const body = startBody('req-1', 'http://127.0.0.1:9/external/callback/req-1');
    const answer = await call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body });
    expect(answer.status).toBe(202);
    expect(ref.state.authentications.get('req-1')).toMatchObject({ request: body, starts: 1, status: 'pending' });

    const list = await call(`${ref.url}/authentications`);
    expect(list.status).toBe(200);
    expect(list.body.authentications).toEqual([expect.objectContaining({ ...body, starts: 1, status: 'pending', callbacks: [] })]);
    expect((await call(`${ref.url}/authentications/req-1`)).body).toMatchObject({ auth_req_id: 'req-1', callback: body.callback });
    expect((await call(`${ref.url}/authentications/nope`)).status).toBe(404);
  });

  it('takes a repeated start (a provider retry) as the same authentication, and another user under the same id as a conflict', async () => {
    const ref = await service();
    const body = startBody('req-2', 'http://127.0.0.1:9/external/callback/req-2');
    expect((await call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body })).status).toBe(202);
    expect((await call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body })).status).toBe(202);
    expect(ref.state.authentications.get('req-2')?.starts).toBe(2);
    const conflict = await call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body: { ...body, sub: 'dave' } });
    expect(conflict.status).toBe(404);
    await call(`${ref.url}/control/users/dave`, { method: 'PUT', body: {} });
    expect((await call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body: { ...body, sub: 'dave' } })).status).toBe(409);
    expect(ref.state.authentications.size).toBe(1);
  });

  it('refuses users it cannot authenticate, expired requests and malformed bodies without starting anything', async () => {
    const ref = await service();
    const cb = 'http://127.0.0.1:9/cb';
    const cases: [string, Record<string, unknown>, number][] = [
      ['unknown user', startBody('x-1', cb, { sub: 'dave' }), 404],
      ['user not allowed', startBody('x-2', cb, { sub: 'bob' }), 403],
      ['expired', startBody('x-3', cb, { expires_at: new Date(Date.now() - 1000).toISOString() }), 400],
      ['no callback', startBody('x-4', cb, { callback: undefined }), 400],
      ['no credential', startBody('x-5', cb, { callback: { url: cb } }), 400],
      ['callback not http', startBody('x-6', cb, { callback: { url: 'ftp://127.0.0.1/cb', credential: 'c' } }), 400],
      ['no auth_req_id', startBody('x-7', cb, { auth_req_id: undefined }), 400],
      ['expires_at not a date', startBody('x-8', cb, { expires_at: 'tomorrow' }), 400],
      ['authorization_details not an array', startBody('x-9', cb, { authorization_details: { type: 'payment_initiation' } }), 400],
    ];
    for (const [name, body, status] of cases) {
      expect((await call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body })).status, name).toBe(status);
    }
    expect(ref.state.authentications.size).toBe(0);
  });
});

describe('reference external service: down switch and failure scripts', () => {
  it('answers 503 to verify-user and start-authentication while down, and serves again once up', async () => {
    const ref = await service();
    expect(await call(`${ref.url}/control/down`, { method: 'POST' })).toMatchObject({ status: 200, body: { down: true } });
    const verify = await call(`${ref.url}/verify-user`, { authorization: basicHeader(), body: verifyBody('alice') });
    expect(verify).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });
    expect((await call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body: startBody('d-1', 'http://127.0.0.1:9/cb') })).status).toBe(503);
    // Down before authentication: even a caller with wrong credentials sees 503.
    expect((await call(`${ref.url}/verify-user`, { authorization: basicHeader(USERNAME, 'x'), body: verifyBody('alice') })).status).toBe(503);
    expect(ref.state.authentications.size).toBe(0);

    expect(await call(`${ref.url}/control/up`, { method: 'POST' })).toMatchObject({ status: 200, body: { down: false } });
    expect((await call(`${ref.url}/verify-user`, { authorization: basicHeader(), body: verifyBody('alice') })).status).toBe(200);
    expect(ref.state.calls.map((received) => `${received.operation} ${received.auth} ${received.answer}`)).toEqual([
      'verify-user unchecked 503',
      'start-authentication unchecked 503',
      'verify-user unchecked 503',
      'verify-user basic 200',
    ]);
  });

  it('fails the first n starts with 503 (startFailures: n), then starts', async () => {
    const ref = await service({ startFailures: 2 });
    const body = startBody('f-1', 'http://127.0.0.1:9/cb');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body })).status);
    expect(statuses).toEqual([503, 503, 202]);
    expect(ref.state.authentications.get('f-1')?.starts).toBe(1);
    // verify-user is not affected by the start script.
    expect((await call(`${ref.url}/verify-user`, { authorization: basicHeader(), body: verifyBody('alice') })).status).toBe(200);
  });

  it('plays a script set through the control API: statuses, a dropped connection, a delay', async () => {
    const ref = await service();
    const set = await call(`${ref.url}/control/start-failures`, { body: { answers: [429, 'drop', { delayMs: 200 }] } });
    expect(set).toMatchObject({ status: 200, body: { start_failures: [429, 'drop', { delayMs: 200 }] } });
    const body = startBody('s-1', 'http://127.0.0.1:9/cb');
    expect((await call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body })).status).toBe(429);
    await expect(call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body })).rejects.toThrow();
    const before = Date.now();
    expect((await call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body })).status).toBe(202);
    expect(Date.now() - before).toBeGreaterThanOrEqual(190);
    expect((await call(`${ref.url}/control`)).body).toMatchObject({ start_failures: [] });

    expect((await call(`${ref.url}/control/verify-failures`, { body: { count: 1, status: 500 } })).status).toBe(200);
    expect((await call(`${ref.url}/verify-user`, { authorization: basicHeader(), body: verifyBody('alice') })).status).toBe(500);
    expect((await call(`${ref.url}/verify-user`, { authorization: basicHeader(), body: verifyBody('alice') })).status).toBe(200);
    expect((await call(`${ref.url}/control/verify-failures`, { body: { answers: ['sometimes'] } })).status).toBe(400);
  });
});

describe('reference external service: accept and reject call the provider callback', () => {
  let provider: Receiver;
  beforeAll(async () => {
    provider = await startReceiver();
  });
  afterAll(async () => {
    await provider.close();
  });

  async function started(ref: ReferenceService, authReqId: string): Promise<{ path: string; credential: string }> {
    const path = `/external/callback/${authReqId}`;
    const body = startBody(authReqId, provider.url(path));
    expect((await call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body })).status).toBe(202);
    return { path, credential: (body.callback as { credential: string }).credential };
  }

  it('accept posts the decision with the stored credential and answers with the provider answer', async () => {
    const ref = await service();
    const { path, credential } = await started(ref, 'cb-accept');
    provider.script(path, [{ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth_req_id: 'cb-accept', status: 'approved' }) }]);

    const decision = { scope: 'openid profile', claims: { name: 'Alice Doe', email: 'alice@example.com' }, acr: 'bank-app', amr: ['pin', 'hwk'] };
    const answer = await call(`${ref.url}/authentications/cb-accept/accept`, { body: decision });
    expect(answer).toMatchObject({ status: 200, body: { auth_req_id: 'cb-accept', status: 'approved' } });
    expect(answer.headers.get('content-type')).toBe('application/json');

    const [received] = await provider.waitForRequests(path, 1, TIMEOUT_MS);
    expect(received?.method).toBe('POST');
    expect(received?.headers.authorization).toBe(`Bearer ${credential}`);
    expect(received?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(received?.body ?? '')).toEqual({ result: 'accept', ...decision });
    expect(ref.state.authentications.get('cb-accept')).toMatchObject({ status: 'accepted', callbacks: [{ status: 200, sent: { result: 'accept', ...decision } }] });
  });

  it('accept without a body sends just the result', async () => {
    const ref = await service();
    const { path } = await started(ref, 'cb-bare');
    await call(`${ref.url}/authentications/cb-bare/accept`, { method: 'POST' });
    const [received] = await provider.waitForRequests(path, 1, TIMEOUT_MS);
    expect(JSON.parse(received?.body ?? '')).toEqual({ result: 'accept' });
  });

  it('reject posts result reject with the reason', async () => {
    const ref = await service();
    const { path, credential } = await started(ref, 'cb-reject');
    provider.script(path, [{ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth_req_id: 'cb-reject', status: 'denied' }) }]);
    const answer = await call(`${ref.url}/authentications/cb-reject/reject`, { body: { reason: 'the user declined in the app' } });
    expect(answer).toMatchObject({ status: 200, body: { status: 'denied' } });
    const [received] = await provider.waitForRequests(path, 1, TIMEOUT_MS);
    expect(received?.headers.authorization).toBe(`Bearer ${credential}`);
    expect(JSON.parse(received?.body ?? '')).toEqual({ result: 'reject', reason: 'the user declined in the app' });
    expect(ref.state.authentications.get('cb-reject')?.status).toBe('rejected');
  });

  it("passes the provider's error answers through, and can send another credential for tests", async () => {
    const ref = await service();
    const { path } = await started(ref, 'cb-errors');
    const conflict = { error: 'request_not_pending', error_description: 'the request was already decided' };
    provider.script(path, [
      { status: 401, headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' }, body: JSON.stringify({ error: 'invalid_token', error_description: 'wrong credential' }) },
      { status: 409, headers: { 'content-type': 'application/json' }, body: JSON.stringify(conflict) },
    ]);
    const wrong = await call(`${ref.url}/authentications/cb-errors/accept`, { body: { credential: 'not-the-credential' } });
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(await call(`${ref.url}/authentications/cb-errors/reject`, { method: 'POST' })).toMatchObject({ status: 409, body: conflict });
    const received = await provider.waitForRequests(path, 2, TIMEOUT_MS);
    expect(received[0]?.headers.authorization).toBe('Bearer not-the-credential');
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({ result: 'accept' });
    expect(ref.state.authentications.get('cb-errors')?.status).toBe('pending');
  });

  it('answers 502 provider_unreachable when the callback does not answer, 404 for an unknown request, 400 for a bad decision', async () => {
    const ref = await service();
    const port = await closedPort();
    const body = startBody('cb-down', `http://127.0.0.1:${port}/external/callback/cb-down`);
    expect((await call(`${ref.url}/start-authentication`, { authorization: basicHeader(), body })).status).toBe(202);
    expect(await call(`${ref.url}/authentications/cb-down/accept`, { method: 'POST' })).toMatchObject({ status: 502, body: { error: 'provider_unreachable' } });
    expect(ref.state.authentications.get('cb-down')?.callbacks).toEqual([expect.objectContaining({ status: 'unreachable' })]);

    expect(await call(`${ref.url}/authentications/nope/accept`, { method: 'POST' })).toMatchObject({ status: 404, body: { error: 'not_found' } });
    for (const decision of [{ amr: 'pin' }, { claims: ['name'] }, { scpoe: 'openid' }]) {
      expect((await call(`${ref.url}/authentications/cb-down/accept`, { body: decision })).status, JSON.stringify(decision)).toBe(400);
    }
    expect((await call(`${ref.url}/authentications/cb-down/reject`, { body: { scope: 'openid' } })).status).toBe(400);
  });

  it('times out a callback that does not answer in time', async () => {
    const ref = await service({ callbackTimeoutMs: 300 });
    const { path } = await started(ref, 'cb-slow');
    provider.script(path, [{ status: 200, delayMs: 2000 }]);
    const before = Date.now();
    expect((await call(`${ref.url}/authentications/cb-slow/accept`, { method: 'POST' })).status).toBe(502);
    expect(Date.now() - before).toBeLessThan(1900);
  });
});

describe('reference external service: USERS setting', () => {
  it('reads subs, blocked subs with and without a reason, and JSON', () => {
    expect(parseUsers('alice, bob:blocked ,carol:blocked:frozen: see ticket 7')).toEqual([
      { sub: 'alice', allowed: true },
      { sub: 'bob', allowed: false, reason: 'account blocked' },
      { sub: 'carol', allowed: false, reason: 'frozen: see ticket 7' },
    ]);
    expect(parseUsers('[{"sub":"a"},{"sub":"b","allowed":false,"reason":"r"}]')).toEqual([
      { sub: 'a', allowed: true },
      { sub: 'b', allowed: false, reason: 'r' },
    ]);
    expect(() => parseUsers('alice:maybe')).toThrow(/USERS/);
    expect(() => parseUsers('[{"allowed":true}]')).toThrow(/USERS/);
  });
});
