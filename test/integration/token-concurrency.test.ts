/**
 * The product's key guarantee: an approved auth_req_id yields tokens exactly once, however many token
 * requests race for it (CIBA Core §10.1, RFC 6749 §4.1.2's single use), and a pending request takes
 * exactly one decision, however many race to make it.
 */
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { decide, expectError, poll, registerClient, startAuthRequest, type CallResult, type TestClient } from '../support/provider.js';

const CONCURRENCY = 25;

let client: TestClient;

beforeAll(async () => {
  client = await registerClient();
});

function successes(results: readonly CallResult[]): CallResult[] {
  return results.filter((result) => result.status === 200);
}

describe('concurrent token requests', () => {
  it(`approved first, then ${CONCURRENCY} concurrent token requests: exactly one 200, every other 400 invalid_grant`, async () => {
    const authReqId = await startAuthRequest(client);
    expect((await decide(authReqId, 'allow')).status).toBe(200);

    const results = await Promise.all(Array.from({ length: CONCURRENCY }, () => poll(client, authReqId)));

    const won = successes(results);
    expect(won).toHaveLength(1);
    expect(decodeJwt(String(won[0]?.json.id_token))['urn:openid:params:jwt:claim:auth_req_id']).toBe(authReqId);
    for (const result of results.filter((r) => r.status !== 200)) expectError(result, 400, 'invalid_grant');
  });

  it(`approved while ${CONCURRENCY} token requests are in flight: never two successes across the batch and a later poll`, async () => {
    // A few rounds, the approval started at a different place among the polls each time, so that some
    // polls land before it and some after (bounded: ROUNDS requests, each settled before the next).
    const ROUNDS = 5;
    for (let round = 0; round < ROUNDS; round++) {
      const authReqId = await startAuthRequest(client);
      const approvalAt = Math.floor((round * CONCURRENCY) / ROUNDS);

      const requests: Promise<CallResult>[] = Array.from({ length: CONCURRENCY }, () => poll(client, authReqId));
      requests.splice(approvalAt, 0, decide(authReqId, 'allow'));
      const settled = await Promise.all(requests);
      const [approval] = settled.splice(approvalAt, 1);
      expect(approval?.status, approval?.body).toBe(200);
      const later = await poll(client, authReqId);
      const all = [...settled, later];

      // Polls recorded before the approval are pending (or told to slow down); after it, one redeems.
      for (const result of all.filter((r) => r.status !== 200)) {
        expect(['authorization_pending', 'slow_down', 'invalid_grant'], result.body).toContain(result.json.error);
        expectError(result, 400, String(result.json.error));
      }
      // Never two successes (the guarantee); and since the request was approved and a poll came after
      // the approval, the one success cannot be missing either.
      expect(successes(all).length, `round ${round}`).toBeLessThanOrEqual(1);
      expect(successes(all), `round ${round}`).toHaveLength(1);
      // Whoever won, the later poll either was the one or found it redeemed.
      if (later.status !== 200) expectError(later, 400, 'invalid_grant');
    }
  });
});

describe('concurrent decisions', () => {
  it(`${CONCURRENCY} concurrent approvals and denials of one pending request: exactly one 200, the rest 409`, async () => {
    const authReqId = await startAuthRequest(client);

    const results = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => decide(authReqId, i % 2 === 0 ? 'allow' : 'deny')));

    const won = successes(results);
    expect(won).toHaveLength(1);
    for (const result of results.filter((r) => r.status !== 200)) expectError(result, 409, 'request_not_pending');

    // The one decision that was recorded is the one the client gets.
    const outcome = await poll(client, authReqId);
    if (won[0]?.json.status === 'approved') expect(outcome.status, outcome.body).toBe(200);
    else expectError(outcome, 400, 'access_denied');
  });
});
