/**
 * Rotation under concurrency: one refresh token, many simultaneous refreshes. Exactly one wins (the
 * conditional write that spends the token), and every other request presented a token that was, or
 * became, used: reuse detection revokes the grant, so the winner's new token is refused too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { expectError, newRefreshToken, refresh, registerClient, type TestClient } from '../support/provider.js';

const CONCURRENCY = 20;
const ROUNDS = 3;

let client: TestClient;

beforeAll(async () => {
  client = await registerClient({ grant_types: [CIBA_GRANT_TYPE, 'refresh_token'] });
});


describe('concurrent refreshes with one refresh token', () => {
  it(`${CONCURRENCY} at once, ${ROUNDS} rounds: exactly one 200 each time, every other 400 invalid_grant`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const refreshToken = await newRefreshToken(client);
      const results = await Promise.all(Array.from({ length: CONCURRENCY }, () => refresh(client, refreshToken)));

      const won = results.filter((result) => result.status === 200);
      expect(won, `round ${round}`).toHaveLength(1);
      for (const result of results.filter((r) => r.status !== 200)) expectError(result, 400, 'invalid_grant');

      // The losers presented a spent token: the grant is revoked, the winner's new token with it.
      expectError(await refresh(client, String(won[0]?.json.refresh_token)), 400, 'invalid_grant');
      expectError(await refresh(client, refreshToken), 400, 'invalid_grant');
    }
  });
});
