/**
 * The token endpoint's error responses for the CIBA grant (CIBA Core §10.1, §11; RFC 6749 §5.2).
 */
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { basic, call, decide, expectError, poll, registerClient, registerNonCibaClient, startAuthRequest, type CallResult, type TestClient } from '../support/provider.js';

let client: TestClient;

beforeAll(async () => {
  client = await registerClient();
});

function token(who: TestClient, form: Record<string, string>): Promise<CallResult> {
  return call('POST', '/token', { headers: basic(who), form });
}

/** Not a timing assertion: only lets a one-second request expire, a bounded wait. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** authorization_pending, or slow_down whose description names `interval` seconds (never a grown one). */
function expectStillPending(result: CallResult, interval: number): void {
  expect(['authorization_pending', 'slow_down']).toContain(result.json.error);
  expectError(result, 400, String(result.json.error));
  if (result.json.error === 'slow_down') expect(String(result.json.error_description)).toMatch(new RegExp(`\\b${interval} seconds\\b`));
}

describe('the request (RFC 6749 §4.5, §5.2)', () => {
  it('refuses a request without grant_type with invalid_request', async () => {
    const authReqId = await startAuthRequest(client);
    expectError(await token(client, { auth_req_id: authReqId }), 400, 'invalid_request');
  });

  it('refuses grant_type password with unsupported_grant_type', async () => {
    const authReqId = await startAuthRequest(client);
    expectError(await token(client, { grant_type: 'password', username: 'jane.doe', password: 'x', auth_req_id: authReqId }), 400, 'unsupported_grant_type');
  });

  it('refuses the CIBA grant without auth_req_id with invalid_request', async () => {
    expectError(await token(client, { grant_type: CIBA_GRANT_TYPE }), 400, 'invalid_request');
  });

  it('refuses an unknown auth_req_id with invalid_grant', async () => {
    expectError(await poll(client, 'A'.repeat(43)), 400, 'invalid_grant');
  });

  it('refuses a client registered without the CIBA grant type with unauthorized_client', async () => {
    const codeClient = await registerNonCibaClient();
    const someonesRequest = await startAuthRequest(client);
    expectError(await poll(codeClient, someonesRequest), 400, 'unauthorized_client');
  });
});

describe("another client's auth_req_id (CIBA Core §11 invalid_grant)", () => {
  it('is invalid_grant for the other client, which consumes nothing: the owner still redeems it', async () => {
    const other = await registerClient();
    const authReqId = await startAuthRequest(client);

    expectError(await poll(client, authReqId), 400, 'authorization_pending');
    expectError(await poll(other, authReqId), 400, 'invalid_grant');
    expectError(await poll(other, authReqId), 400, 'invalid_grant');
    // Had the other client's polls been recorded, the owner's interval would have grown past 10 s.
    expectStillPending(await poll(client, authReqId), 10);

    expect((await decide(authReqId, 'allow')).status).toBe(200);
    expectError(await poll(other, authReqId), 400, 'invalid_grant');

    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(decodeJwt(String(tokens.json.id_token))['urn:openid:params:jwt:claim:auth_req_id']).toBe(authReqId);
  });
});

describe('the poll answers (CIBA Core §11)', () => {
  it('answers authorization_pending before the user decides', async () => {
    expectError(await poll(client, await startAuthRequest(client)), 400, 'authorization_pending');
  });

  it('answers slow_down to an immediate second poll, naming the grown interval of 10 seconds', async () => {
    const authReqId = await startAuthRequest(client);
    expectError(await poll(client, authReqId), 400, 'authorization_pending');
    const second = await poll(client, authReqId);
    expectError(second, 400, 'slow_down');
    expect(String(second.json.error_description)).toMatch(/\b10 seconds\b/);
  });

  it('keeps growing the interval: a third immediate poll is slow_down naming 15 seconds', async () => {
    const authReqId = await startAuthRequest(client);
    expectError(await poll(client, authReqId), 400, 'authorization_pending');
    expectError(await poll(client, authReqId), 400, 'slow_down');
    const third = await poll(client, authReqId);
    expectError(third, 400, 'slow_down');
    expect(String(third.json.error_description)).toMatch(/\b15 seconds\b/);
  });

  it('answers access_denied after the user denies', async () => {
    const authReqId = await startAuthRequest(client);
    expect((await decide(authReqId, 'deny')).status).toBe(200);
    expectError(await poll(client, authReqId), 400, 'access_denied');
  });

  it('answers expired_token after expiry, and still expired_token (not invalid_grant) on a later poll', async () => {
    const authReqId = await startAuthRequest(client, { requested_expiry: '1' });
    await sleep(1500);
    expectError(await poll(client, authReqId), 400, 'expired_token');
    expectError(await poll(client, authReqId), 400, 'expired_token');
  });

  it('answers invalid_grant when an auth_req_id is used again after its tokens were issued', async () => {
    const authReqId = await startAuthRequest(client);
    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expectError(await poll(client, authReqId), 400, 'invalid_grant');
    expectError(await poll(client, authReqId), 400, 'invalid_grant');
  });
});
