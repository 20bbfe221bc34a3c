/**
 * Refresh token lifetimes: a token unused for the idle lifetime is refused, and every token of a grant
 * is refused after the grant's absolute lifetime, however recently the previous one was used. Tiny
 * lifetimes, set before any handler reads the configuration; the sleeps are bounded waits for them.
 */
process.env.CIBA_REFRESH_TOKEN_IDLE_SECONDS = '3';
process.env.CIBA_REFRESH_TOKEN_ABSOLUTE_SECONDS = '7';

import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { expectError, newRefreshToken, refresh, registerClient, type TestClient } from '../support/provider.js';

let client: TestClient;

beforeAll(async () => {
  client = await registerClient({ grant_types: [CIBA_GRANT_TYPE, 'refresh_token'] });
});


/** Sleeps until `at` (epoch ms). */
const until = (at: number): Promise<void> => sleep(Math.max(0, at - Date.now()));

describe('refresh token lifetimes', () => {
  it('a token unused for longer than the idle lifetime (3 s) is refused with invalid_grant', async () => {
    const start = Date.now();
    const refreshToken = await newRefreshToken(client);
    await until(start + 4000);
    expectError(await refresh(client, refreshToken), 400, 'invalid_grant');
  });

  it('the grant ends at its absolute lifetime (7 s), though each token is used well within the idle lifetime', async () => {
    // Taken before the grant begins, so the grant ends no earlier than start + 7 s.
    const start = Date.now();
    let refreshToken = await newRefreshToken(client);
    for (const at of [2000, 4000, 6000]) {
      await until(start + at);
      const result = await refresh(client, refreshToken);
      expect(result.status, `at ${at} ms: ${result.body}`).toBe(200);
      refreshToken = String(result.json.refresh_token);
    }
    // 2 s after the last refresh: within its idle lifetime, past the grant's end.
    await until(start + 8000);
    expectError(await refresh(client, refreshToken), 400, 'invalid_grant');
  });
});
