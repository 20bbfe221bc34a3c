/**
 * The backchannel authentication endpoint's error responses (CIBA Core §7.1, §13; RFC 6749 §3.1, §5.2).
 * Every case is a client that did authenticate, so that each answer comes from the rule under test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { backchannel, basic, call, decide, expectError, poll, registerClient, registerNonCibaClient, startAuthRequest, type CallResult, type TestClient } from '../support/provider.js';

const FORM = 'application/x-www-form-urlencoded';

/** A body over 64 KiB made of many small parameters: only the body size is wrong, no single value is long. */
function oversizedBody(): string {
  const padding = Array.from({ length: 3000 }, (_, i) => `p${i}=${'x'.repeat(24)}`);
  return ['scope=openid', 'login_hint=jane.doe', ...padding].join('&');
}

function rawBackchannel(client: TestClient, body: string, contentType: string | undefined): Promise<CallResult> {
  return call('POST', '/bc-authorize', { headers: { ...basic(client), ...(contentType ? { 'content-type': contentType } : {}) }, body });
}

let client: TestClient;

beforeAll(async () => {
  client = await registerClient();
});

describe('the request body (RFC 6749 §3.1, CIBA Core §7.1)', () => {
  it('refuses a JSON body with invalid_request', async () => {
    const result = await call('POST', '/bc-authorize', { headers: basic(client), json: { scope: 'openid', login_hint: 'jane.doe' } });
    expectError(result, 400, 'invalid_request');
  });

  it('refuses a body without a Content-Type with invalid_request', async () => {
    expectError(await rawBackchannel(client, 'scope=openid&login_hint=jane.doe', undefined), 400, 'invalid_request');
  });

  it('accepts the form media type with a charset parameter (the contrast to the two refusals above)', async () => {
    const result = await rawBackchannel(client, 'scope=openid&login_hint=jane.doe', `${FORM}; charset=UTF-8`);
    expect(result.status, result.body).toBe(200);
  });

  it('refuses an empty body with invalid_request', async () => {
    expectError(await rawBackchannel(client, '', FORM), 400, 'invalid_request');
  });

  it('refuses a malformed body (JSON sent as a form) with invalid_request', async () => {
    expectError(await rawBackchannel(client, JSON.stringify({ scope: 'openid', login_hint: 'jane.doe' }), FORM), 400, 'invalid_request');
  });

  it('refuses a parameter sent twice (scope) with invalid_request', async () => {
    const result = await backchannel(client, [
      ['scope', 'openid'],
      ['scope', 'openid'],
      ['login_hint', 'jane.doe'],
    ]);
    expectError(result, 400, 'invalid_request');
  });

  it('refuses a body larger than 64 KiB with 400 invalid_request, never a 500', async () => {
    const body = oversizedBody();
    expect(Buffer.byteLength(body)).toBeGreaterThan(64 * 1024);
    expectError(await rawBackchannel(client, body, FORM), 400, 'invalid_request');
  });

  it('refuses an oversized parameter value (17 KiB login_hint) with 400 invalid_request, never a 500', async () => {
    const result = await backchannel(client, { scope: 'openid', login_hint: 'a'.repeat(17 * 1024) });
    expectError(result, 400, 'invalid_request');
  });
});

describe('scope (CIBA Core §7.1, §13)', () => {
  it('refuses a request without scope with invalid_request', async () => {
    expectError(await backchannel(client, { login_hint: 'jane.doe' }), 400, 'invalid_request');
  });

  it('refuses a scope without openid with invalid_scope', async () => {
    expectError(await backchannel(client, { scope: 'profile email', login_hint: 'jane.doe' }), 400, 'invalid_scope');
  });

  it('refuses an unknown scope value with invalid_scope', async () => {
    expectError(await backchannel(client, { scope: 'openid payments:write', login_hint: 'jane.doe' }), 400, 'invalid_scope');
  });

  it('refuses a scope the client did not register (registered openid, asks openid email) with invalid_scope', async () => {
    const restricted = await registerClient({ scope: 'openid' });
    expect((await backchannel(restricted, { scope: 'openid', login_hint: 'jane.doe' })).status).toBe(200);
    expectError(await backchannel(restricted, { scope: 'openid email', login_hint: 'jane.doe' }), 400, 'invalid_scope');
  });
});

// The login_hint_token, id_token_hint and request values below are JWTs that no verifier could accept
// (a made-up signature; the client has no registered keys; the provider never issued the ID token).
// CIBA Core §13: a hint or request that cannot be used is invalid_request, whether the provider does
// not support the parameter or cannot verify it (both were true at different times of this project).
const UNVERIFIABLE_LOGIN_HINT_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJqYW5lLmRvZSJ9.c2ln';

describe('the user hint (CIBA Core §7.1, §13)', () => {
  it('refuses a request without any hint with invalid_request', async () => {
    expectError(await backchannel(client, { scope: 'openid' }), 400, 'invalid_request');
  });

  it('refuses two hints (login_hint and id_token_hint), each good alone, with invalid_request', async () => {
    // A genuine ID token this provider issued to the client for jane.doe, so that the hint itself is fine.
    const authReqId = await startAuthRequest(client);
    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    const idTokenHint = String(tokens.json.id_token);

    const alone = await backchannel(client, { scope: 'openid', id_token_hint: idTokenHint });
    expect(alone.status, alone.body).toBe(200);
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', id_token_hint: idTokenHint });
    expectError(result, 400, 'invalid_request');
  });

  it('refuses a login_hint_token alone that cannot be verified with invalid_request', async () => {
    const result = await backchannel(client, { scope: 'openid', login_hint_token: UNVERIFIABLE_LOGIN_HINT_TOKEN });
    expectError(result, 400, 'invalid_request');
  });

  it('refuses an id_token_hint alone that this provider did not issue with invalid_request', async () => {
    const result = await backchannel(client, { scope: 'openid', id_token_hint: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJqYW5lLmRvZSJ9.c2ln' });
    expectError(result, 400, 'invalid_request');
  });

  it('answers a login_hint that names nobody with unknown_user_id', async () => {
    expectError(await backchannel(client, { scope: 'openid', login_hint: 'nobody.by.this.name' }), 400, 'unknown_user_id');
  });
});

describe('requested_expiry (CIBA Core §7.1, §7.3)', () => {
  it.each(['300', '120', '1800'])('accepts requested_expiry %s and reflects it in expires_in', async (requestedExpiry) => {
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', requested_expiry: requestedExpiry });
    expect(result.status, result.body).toBe(200);
    expect(result.json.expires_in).toBe(Number(requestedExpiry));
  });

  it.each(['abc', '-5', '0', '1.5', '1801'])('refuses requested_expiry %s with invalid_request', async (requestedExpiry) => {
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', requested_expiry: requestedExpiry });
    expectError(result, 400, 'invalid_request');
  });
});

describe('the client and the request form (CIBA Core §7.1, §13)', () => {
  it('refuses a client registered without the CIBA grant type with unauthorized_client', async () => {
    const codeClient = await registerNonCibaClient();
    expectError(await backchannel(codeClient, { scope: 'openid', login_hint: 'jane.doe' }), 400, 'unauthorized_client');
  });

  it('refuses a request parameter it cannot verify (client without keys) with invalid_request, never ignoring it', async () => {
    // Without the request parameter this would be a valid request: ignoring it would answer 200.
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', request: 'eyJhbGciOiJFUzI1NiJ9.eyJzY29wZSI6Im9wZW5pZCJ9.c2ln' });
    expectError(result, 400, 'invalid_request');
  });
});
