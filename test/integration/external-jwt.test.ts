/**
 * The external channel with CIBA_EXTERNAL_SERVICE_AUTH=jwt (docs/external-service.md, "Authenticating
 * the provider"): the provider authenticates its calls to the service with a Bearer JWT signed by its own
 * ES256 key, `iss` the issuer, `aud` the service base URL, `exp = iat + 60`, a fresh `jti` for every call
 * and retry. The reference service (examples/reference-external-service/) accepts no Basic credentials
 * here: it verifies those JWTs against the provider's own /jwks, served on a loopback port.
 */
import { decodeJwt } from 'jose';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceService, type ReceivedCall, type ReferenceService } from '../../examples/reference-external-service/server.js';
import type { Feature } from '../../lambdas/routes.js';
import { startServer } from '../../local/server.js';
import { backchannel, poll, registerClient, type TestClient } from '../support/provider.js';
import { waitUntil } from '../support/receiver.js';

const TIMEOUT_MS = 10_000;
/** Short per-call timeouts, so that a retry is quick to provoke. */
const CALL_TIMEOUT_MS = 1000;

let server: Server;
let issuer: string;
let service: ReferenceService;
let client: TestClient;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', features: new Set<Feature>(['simulator', 'automatedApproval']) });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // JWTs only (no `basic`): the audience is the service's own URL, the keys the provider's /jwks.
  service = await startReferenceService({ users: [{ sub: 'jane.doe', allowed: true }], jwt: { issuer, jwksUrl: `${issuer}/jwks` } });
  // Before the first handler call: the handlers read their configuration once.
  Object.assign(process.env, {
    CIBA_ISSUER: issuer,
    CIBA_ACR_POLICIES: JSON.stringify({ ciba: { channel: 'device' }, 'bank-app': { channel: 'external' } }),
    CIBA_EXTERNAL_SERVICE_URL: service.url,
    CIBA_EXTERNAL_SERVICE_AUTH: 'jwt',
    CIBA_EXTERNAL_SERVICE_TIMEOUT_MS: String(CALL_TIMEOUT_MS),
  });
  delete process.env.CIBA_EXTERNAL_SERVICE_USERNAME;
  delete process.env.CIBA_EXTERNAL_SERVICE_PASSWORD;
  client = await registerClient();
});

afterAll(async () => {
  await service?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

const callsWith = (tag: string): ReceivedCall[] => service.state.calls.filter((received) => (received.body as { binding_message?: unknown } | undefined)?.binding_message === tag);

function expectProviderJwt(received: ReceivedCall | undefined): void {
  expect(received?.auth).toBe('jwt');
  const claims = received?.jwtClaims ?? {};
  expect(claims).toMatchObject({ iss: issuer, aud: service.url, jti: expect.any(String) });
  expect(typeof claims.iat).toBe('number');
  expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
  expect(Math.abs((claims.iat ?? 0) - Date.now() / 1000)).toBeLessThan(60);
}

describe('the provider authenticates to the service with its own JWTs', () => {
  it('verify-user and start-authentication arrive with a Bearer JWT the service verified against /jwks; the flow completes', async () => {
    const tag = `JWT-${randomUUID().slice(0, 8)}`;
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', acr_values: 'bank-app', binding_message: tag });
    expect(result.status, result.body).toBe(200);
    const authReqId = String(result.json.auth_req_id);

    const calls = callsWith(tag);
    expect(calls.map((received) => [received.operation, received.auth, received.answer])).toEqual([
      ['verify-user', 'jwt', 200],
      ['start-authentication', 'jwt', 202],
    ]);
    for (const received of calls) expectProviderJwt(received);
    // A fresh JWT for every call.
    expect(calls[0]?.jwtClaims?.jti).not.toBe(calls[1]?.jwtClaims?.jti);

    const accepted = await fetch(`${service.url}/authentications/${authReqId}/accept`, { method: 'POST', signal: AbortSignal.timeout(TIMEOUT_MS) });
    expect(accepted.status, await accepted.text()).toBe(200);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(decodeJwt(String(tokens.json.id_token))).toMatchObject({ sub: 'jane.doe', acr: 'bank-app' });
  });

  it('a retried start carries a new JWT: the service, which refuses a jti it has seen, accepts both attempts', { timeout: 20_000 }, async () => {
    // The first attempt is handled only after the provider gave up on it (its timeout is 1 s), so that
    // the service authenticates the retry first and the late first attempt second.
    const script = await fetch(`${service.url}/control/start-failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answers: [{ delayMs: CALL_TIMEOUT_MS * 2 }] }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    expect(script.status).toBe(200);
    const tag = `JWT-${randomUUID().slice(0, 8)}`;
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', acr_values: 'bank-app', binding_message: tag });
    expect(result.status, result.body).toBe(200);

    const starts = (): ReceivedCall[] => callsWith(tag).filter((received) => received.operation === 'start-authentication');
    await waitUntil(() => starts().length === 2, CALL_TIMEOUT_MS * 4, 'the late first attempt to be handled');
    expect(starts().map((received) => [received.auth, received.answer])).toEqual([
      ['jwt', 202],
      ['jwt', 202],
    ]);
    for (const received of starts()) expectProviderJwt(received);
    expect(starts()[0]?.jwtClaims?.jti).not.toBe(starts()[1]?.jwtClaims?.jti);
    expect(service.state.authentications.get(String(result.json.auth_req_id))?.starts).toBe(2);
  });
});
