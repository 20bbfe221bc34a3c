/**
 * The successful backchannel authentication response (CIBA Core §7.3) and acr_values (§7.1).
 */
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { backchannel, decide, poll, registerClient, startAuthRequest, type TestClient } from '../support/provider.js';

let client: TestClient;

beforeAll(async () => {
  client = await registerClient();
});

/** Approves a request and redeems it; returns the ID token's claims. */
async function idTokenClaims(authReqId: string): Promise<Record<string, unknown>> {
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  const tokens = await poll(client, authReqId);
  expect(tokens.status, tokens.body).toBe(200);
  return decodeJwt(String(tokens.json.id_token));
}

describe('the backchannel authentication response (CIBA Core §7.3)', () => {
  it('is auth_req_id (43 base64url characters: 32 random bytes), expires_in and interval 5 as JSON numbers', async () => {
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe' });
    expect(result.status, result.body).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(result.json).toEqual({ auth_req_id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expires_in: 300, interval: 5 });
    expect(typeof result.json.expires_in).toBe('number');
    expect(typeof result.json.interval).toBe('number');
  });

  it('gives two requests different auth_req_ids', async () => {
    const first = await startAuthRequest(client);
    const second = await startAuthRequest(client);
    expect(first).not.toBe(second);
  });
});

describe('acr_values (CIBA Core §7.1, OIDC Core §2)', () => {
  it('accepts acr_values ciba and the ID token later carries acr ciba', async () => {
    const claims = await idTokenClaims(await startAuthRequest(client, { acr_values: 'ciba' }));
    expect(claims.acr).toBe('ciba');
  });

  it('ignores an unknown acr value: the request succeeds and the ID token has no acr claim', async () => {
    const claims = await idTokenClaims(await startAuthRequest(client, { acr_values: 'urn:example:acr:unknown' }));
    expect(claims).not.toHaveProperty('acr');
  });
});
