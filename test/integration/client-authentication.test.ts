/**
 * Client authentication at the backchannel and token endpoints (RFC 6749 §2.3, §5.2; CIBA Core §7.1).
 * Each rule runs at both endpoints. At the token endpoint the request names a real pending auth_req_id
 * of the client, so that a request let through without authentication would get an answer about it
 * (authorization_pending) rather than the error under test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { basic, call, decide, expectError, registerClient, startAuthRequest, type CallResult, type TestClient } from '../support/provider.js';

type Endpoint = 'backchannel' | 'token';

const PATHS: Record<Endpoint, string> = { backchannel: '/bc-authorize', token: '/token' };

const UNKNOWN_CLIENT: TestClient = { clientId: 'unknown-client-5f0c1f6e2b', clientSecret: 'not-a-secret-of-anyone', registration: {} };

let basicClient: TestClient;
let postClient: TestClient;
/** A pending auth_req_id of each client, for the token endpoint. */
const pending = new Map<string, string>();

beforeAll(async () => {
  basicClient = await registerClient();
  postClient = await registerClient({ token_endpoint_auth_method: 'client_secret_post' });
  pending.set(basicClient.clientId, await startAuthRequest(basicClient));
  // The post client cannot use startAuthRequest (it sends Basic): start its request with its own method.
  const started = await call('POST', PATHS.backchannel, {
    form: { scope: 'openid', login_hint: 'jane.doe', client_id: postClient.clientId, client_secret: postClient.clientSecret },
  });
  expect(started.status, started.body).toBe(200);
  pending.set(postClient.clientId, String(started.json.auth_req_id));
});

/** The endpoint's own parameters: a valid request apart from client authentication. */
function endpointForm(endpoint: Endpoint, owner: TestClient): [string, string][] {
  if (endpoint === 'backchannel') {
    return [
      ['scope', 'openid'],
      ['login_hint', 'jane.doe'],
    ];
  }
  return [
    ['grant_type', CIBA_GRANT_TYPE],
    ['auth_req_id', pending.get(owner.clientId) ?? 'missing'],
  ];
}

function send(endpoint: Endpoint, owner: TestClient, options: { headers?: Record<string, string | string[]>; extra?: [string, string][] }): Promise<CallResult> {
  return call('POST', PATHS[endpoint], { headers: options.headers ?? {}, form: [...endpointForm(endpoint, owner), ...(options.extra ?? [])] });
}

function postCredentials(client: TestClient, secret = client.clientSecret): [string, string][] {
  return [
    ['client_id', client.clientId],
    ['client_secret', secret],
  ];
}

describe.each<Endpoint>(['backchannel', 'token'])('client authentication at the %s endpoint', (endpoint) => {
  it('refuses a request without any client authentication with 401 invalid_client', async () => {
    expectError(await send(endpoint, basicClient, {}), 401, 'invalid_client');
  });

  it('refuses client_id alone (no secret) with 401 invalid_client', async () => {
    expectError(await send(endpoint, basicClient, { extra: [['client_id', basicClient.clientId]] }), 401, 'invalid_client');
  });

  it('refuses a wrong secret via HTTP Basic with 401 invalid_client and a Basic WWW-Authenticate challenge', async () => {
    const result = await send(endpoint, basicClient, { headers: basic(basicClient, 'wrong-secret') });
    expectError(result, 401, 'invalid_client');
    expect(result.headers['www-authenticate']).toMatch(/^Basic/);
  });

  it('refuses a wrong secret via client_secret_post with 401 invalid_client', async () => {
    expectError(await send(endpoint, postClient, { extra: postCredentials(postClient, 'wrong-secret') }), 401, 'invalid_client');
  });

  it('answers an unknown client_id exactly as a wrong secret (indistinguishable), by Basic and by post', async () => {
    const unknownBasic = await send(endpoint, basicClient, { headers: basic(UNKNOWN_CLIENT) });
    const wrongBasic = await send(endpoint, basicClient, { headers: basic(basicClient, 'wrong-secret') });
    expectError(unknownBasic, 401, 'invalid_client');
    expect({ body: unknownBasic.json, challenge: unknownBasic.headers['www-authenticate'] }).toEqual({
      body: wrongBasic.json,
      challenge: wrongBasic.headers['www-authenticate'],
    });

    const unknownPost = await send(endpoint, postClient, { extra: postCredentials(UNKNOWN_CLIENT) });
    const wrongPost = await send(endpoint, postClient, { extra: postCredentials(postClient, 'wrong-secret') });
    expectError(unknownPost, 401, 'invalid_client');
    expect(unknownPost.json).toEqual(wrongPost.json);
  });

  it('refuses a client_secret_basic client that uses client_secret_post (right secret) with 401 invalid_client', async () => {
    expectError(await send(endpoint, basicClient, { extra: postCredentials(basicClient) }), 401, 'invalid_client');
  });

  it('refuses HTTP Basic plus client_secret in the body (two methods) with 400 invalid_request', async () => {
    const result = await send(endpoint, basicClient, { headers: basic(basicClient), extra: [['client_secret', basicClient.clientSecret]] });
    expectError(result, 400, 'invalid_request');
  });

  it('refuses a Basic header that is not base64 with 401 invalid_client', async () => {
    const result = await send(endpoint, basicClient, { headers: { authorization: 'Basic !!not*base64!!' } });
    expectError(result, 401, 'invalid_client');
    expect(result.headers['www-authenticate']).toMatch(/^Basic/);
  });

  it('refuses a Basic header without a colon with 401 invalid_client', async () => {
    const result = await send(endpoint, basicClient, { headers: { authorization: `Basic ${Buffer.from(basicClient.clientId).toString('base64')}` } });
    expectError(result, 401, 'invalid_client');
    expect(result.headers['www-authenticate']).toMatch(/^Basic/);
  });

  it('refuses two Authorization headers (even both correct) with 400 invalid_request', async () => {
    const header = basic(basicClient).authorization ?? '';
    expectError(await send(endpoint, basicClient, { headers: { authorization: [header, header] } }), 400, 'invalid_request');
  });
});

describe('a client registered for client_secret_post', () => {
  it('authenticates with client_id and client_secret in the form at both endpoints (200)', async () => {
    const started = await send('backchannel', postClient, { extra: postCredentials(postClient) });
    expect(started.status, started.body).toBe(200);

    const authReqId = String(started.json.auth_req_id);
    const redeem = () =>
      call('POST', PATHS.token, { form: { grant_type: CIBA_GRANT_TYPE, auth_req_id: authReqId, ...Object.fromEntries(postCredentials(postClient)) } });
    expectError(await redeem(), 400, 'authorization_pending');
    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const tokens = await redeem();
    expect(tokens.status, tokens.body).toBe(200);
    expect(tokens.json.token_type).toBe('Bearer');
  });
});
