/**
 * Nothing stored is corrupted by a rejected request: after each refusal at the token or backchannel
 * endpoint, a pending auth_req_id of the same client still answers as pending, has not had a poll
 * recorded against it, and can still be approved and redeemed exactly once.
 */
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { basic, call, decide, expectError, poll, registerClient, startAuthRequest, type CallResult, type TestClient } from '../support/provider.js';

const FORM = 'application/x-www-form-urlencoded';

let client: TestClient;

beforeAll(async () => {
  client = await registerClient();
});

/** More than 64 KiB in many small parameters. */
function padding(): string {
  return Array.from({ length: 3000 }, (_, i) => `p${i}=${'x'.repeat(24)}`).join('&');
}

interface Rejection {
  readonly label: string;
  readonly status: number;
  readonly error: string;
  readonly send: (client: TestClient, authReqId: string) => Promise<CallResult>;
}

const rejections: Rejection[] = [
  {
    label: 'token request with a JSON body',
    status: 400,
    error: 'invalid_request',
    send: (c, id) => call('POST', '/token', { headers: basic(c), json: { grant_type: CIBA_GRANT_TYPE, auth_req_id: id } }),
  },
  {
    label: 'token request with auth_req_id twice',
    status: 400,
    error: 'invalid_request',
    send: (c, id) =>
      call('POST', '/token', {
        headers: basic(c),
        form: [
          ['grant_type', CIBA_GRANT_TYPE],
          ['auth_req_id', id],
          ['auth_req_id', id],
        ],
      }),
  },
  {
    label: 'token request with a body over 64 KiB',
    status: 400,
    error: 'invalid_request',
    send: (c, id) =>
      call('POST', '/token', {
        headers: { ...basic(c), 'content-type': FORM },
        body: `grant_type=${encodeURIComponent(CIBA_GRANT_TYPE)}&auth_req_id=${id}&${padding()}`,
      }),
  },
  {
    label: 'token request with a wrong secret',
    status: 401,
    error: 'invalid_client',
    send: (c, id) => call('POST', '/token', { headers: basic(c, 'wrong-secret'), form: { grant_type: CIBA_GRANT_TYPE, auth_req_id: id } }),
  },
  {
    label: 'backchannel request with a JSON body',
    status: 400,
    error: 'invalid_request',
    send: (c) => call('POST', '/bc-authorize', { headers: basic(c), json: { scope: 'openid', login_hint: 'jane.doe' } }),
  },
  {
    label: 'backchannel request with scope twice',
    status: 400,
    error: 'invalid_request',
    send: (c) =>
      call('POST', '/bc-authorize', {
        headers: basic(c),
        form: [
          ['scope', 'openid'],
          ['scope', 'openid'],
          ['login_hint', 'jane.doe'],
        ],
      }),
  },
  {
    label: 'backchannel request with a body over 64 KiB',
    status: 400,
    error: 'invalid_request',
    send: (c) => call('POST', '/bc-authorize', { headers: { ...basic(c), 'content-type': FORM }, body: `scope=openid&login_hint=jane.doe&${padding()}` }),
  },
  {
    label: 'backchannel request with a wrong secret',
    status: 401,
    error: 'invalid_client',
    send: (c) => call('POST', '/bc-authorize', { headers: basic(c, 'wrong-secret'), form: { scope: 'openid', login_hint: 'jane.doe' } }),
  },
];

describe('a rejected request leaves the stored state intact', () => {
  it.each(rejections)('after a $label ($status $error), the pending request is still pending and still redeems once', async (rejection) => {
    const authReqId = await startAuthRequest(client);
    expectError(await poll(client, authReqId), 400, 'authorization_pending');

    expectError(await rejection.send(client, authReqId), rejection.status, rejection.error);

    // Still pending. An immediate poll may be told to slow down, but only to the first step (10 s):
    // a grown interval would mean the rejected request was recorded as a poll.
    const again = await poll(client, authReqId);
    expect(['authorization_pending', 'slow_down'], again.body).toContain(again.json.error);
    expectError(again, 400, String(again.json.error));
    if (again.json.error === 'slow_down') expect(String(again.json.error_description)).toMatch(/\b10 seconds\b/);

    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(decodeJwt(String(tokens.json.id_token))).toMatchObject({ sub: 'jane.doe', 'urn:openid:params:jwt:claim:auth_req_id': authReqId });
    expectError(await poll(client, authReqId), 400, 'invalid_grant');
  });
});
