/**
 * Rotation under concurrency: one refresh token, many simultaneous refreshes. Exactly one wins (the
 * conditional write that spends the token), and every other request presented a token that was, or
 * became, used: reuse detection revokes the grant, so the winner's new token is refused too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { basic, call, decide, expectError, poll, registerClient, startAuthRequest, type CallResult, type TestClient } from '../support/provider.js';

const CONCURRENCY = 20;
const ROUNDS = 3;

let client: TestClient;

beforeAll(async () => {
  client = await registerClient({ grant_types: [CIBA_GRANT_TYPE, 'refresh_token'] });
});

async function newRefreshToken(): Promise<string> {
  const authReqId = await startAuthRequest(client, { scope: 'openid offline_access' });
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  const tokens = await poll(client, authReqId);
  expect(tokens.status, tokens.body).toBe(200);
  return String(tokens.json.refresh_token);
}

function refresh(refreshToken: string): Promise<CallResult> {
  return call('POST', '/token', { headers: basic(client), form: { grant_type: 'refresh_token', refresh_token: refreshToken } });
}

describe('concurrent refreshes with one refresh token', () => {
  it(`${CONCURRENCY} at once, ${ROUNDS} rounds: exactly one 200 each time, every other 400 invalid_grant`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const refreshToken = await newRefreshToken();
      const results = await Promise.all(Array.from({ length: CONCURRENCY }, () => refresh(refreshToken)));

      const won = results.filter((result) => result.status === 200);
      expect(won, `round ${round}`).toHaveLength(1);
      for (const result of results.filter((r) => r.status !== 200)) expectError(result, 400, 'invalid_grant');

      // The losers presented a spent token: the grant is revoked, the winner's new token with it.
      expectError(await refresh(String(won[0]?.json.refresh_token)), 400, 'invalid_grant');
      expectError(await refresh(refreshToken), 400, 'invalid_grant');
    }
  });
});
