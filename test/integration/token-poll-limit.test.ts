/**
 * A request that reached the recorded-poll limit (a client that ignored slow_down for a long time) and
 * is then approved. The tokens were never issued, so the client must not be told they were redeemed
 * (RFC 6749 §5.2 invalid_grant; CIBA Core §11: after approval the token request returns the tokens).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_RECORDED_POLLS } from '../../lambdas/adapters/dynamodb/auth-request-repository.js';
import { decide, expectError, poll, registerClient, startAuthRequest, type TestClient } from '../support/provider.js';

const BATCH = 25;

let client: TestClient;

beforeAll(async () => {
  client = await registerClient();
});

describe('the recorded-poll limit', () => {
  it('an approved request that reached the poll limit is not answered "already redeemed": its tokens are issued once', { timeout: 120_000 }, async () => {
    const authReqId = await startAuthRequest(client, { requested_expiry: '1800' });
    // Exactly MAX_RECORDED_POLLS polls, in bounded concurrent batches; all pending or slow_down.
    for (let sent = 0; sent < MAX_RECORDED_POLLS; sent += BATCH) {
      const results = await Promise.all(Array.from({ length: Math.min(BATCH, MAX_RECORDED_POLLS - sent) }, () => poll(client, authReqId)));
      for (const result of results) expect(['authorization_pending', 'slow_down'], result.body).toContain(result.json.error);
    }
    expect((await decide(authReqId, 'allow')).status).toBe(200);

    const first = await poll(client, authReqId);
    expect(first.status, first.body).toBe(200);
    expectError(await poll(client, authReqId), 400, 'invalid_grant');
  });
});
