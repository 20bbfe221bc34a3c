/**
 * Token revocation (RFC 7009): a client ends its own access tokens, which userinfo and introspection
 * then refuse; anything else is answered 200 and changes nothing.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { keyPrefix, tableSchema } from '../../lambdas/adapters/dynamodb/table-schema.js';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { endpointPaths } from '../../lambdas/routes.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { TEST_ISSUER, TEST_TABLE_NAME } from '../support/constants.js';
import { assertionForm, clientAssertion, generateClientKey, jwks, tamperSignature, type ClientKey } from '../support/jwt.js';
import { basic, call, decide, expectError, newRefreshToken, poll, refresh, registerClient, startAuthRequest, type CallResult, type TestClient } from '../support/provider.js';

const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
afterAll(() => dynamodb.destroy());

async function issueTokens(client: TestClient): Promise<Record<string, unknown>> {
  const authReqId = await startAuthRequest(client, { scope: 'openid email' });
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  const tokens = await poll(client, authReqId);
  expect(tokens.status, tokens.body).toBe(200);
  return tokens.json;
}

async function startAuthRequestWithAssertion(client: TestClient, key: ClientKey): Promise<string> {
  const started = await call('POST', endpointPaths.backchannelAuthentication, { form: [...assertionForm(await clientAssertion(client, key)), ['scope', 'openid'], ['login_hint', 'jane.doe']] });
  expect(started.status, started.body).toBe(200);
  return String(started.json.auth_req_id);
}

const accessToken = async (client: TestClient): Promise<string> => String((await issueTokens(client)).access_token);

const revoke = (client: TestClient, form: Record<string, string>): Promise<CallResult> => call('POST', endpointPaths.revocation, { headers: basic(client), form });
const introspect = (client: TestClient, token: string): Promise<CallResult> => call('POST', endpointPaths.introspection, { headers: basic(client), form: { token } });
const userinfo = (token: string): Promise<CallResult> => call('GET', endpointPaths.userinfo, { headers: { authorization: `Bearer ${token}` } });

/** RFC 7009 §2.2: 200 and an empty body; no-store like every response of the provider. */
function expectRevocationAnswer(result: CallResult): void {
  expect(result.status, result.body).toBe(200);
  expect(result.body).toBe('');
  expect(result.headers['cache-control']).toBe('no-store');
}

const claimsOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(String(token.split('.')[1]), 'base64url').toString()) as Record<string, unknown>;

describe('revoking an access token', () => {
  it('answers 200 with an empty body, after which userinfo refuses the token and introspection calls it inactive', async () => {
    const client = await registerClient();
    const token = await accessToken(client);
    expect((await userinfo(token)).status).toBe(200);
    expect((await introspect(client, token)).json.active).toBe(true);

    expectRevocationAnswer(await revoke(client, { token }));

    const refused = await userinfo(token);
    expectError(refused, 401, 'invalid_token');
    expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect((await introspect(client, token)).json).toEqual({ active: false });
  });

  it('revokes only that token: another token of the same client stays active', async () => {
    const client = await registerClient();
    const [first, second] = [await accessToken(client), await accessToken(client)];
    expectRevocationAnswer(await revoke(client, { token: first }));
    expect((await introspect(client, first)).json.active).toBe(false);
    expect((await introspect(client, second)).json.active).toBe(true);
  });

  it('keeps the revocation (REVOKED#<jti>) only until the token would have expired anyway (TTL = exp)', async () => {
    const client = await registerClient();
    const token = await accessToken(client);
    expectRevocationAnswer(await revoke(client, { token, token_type_hint: 'access_token' }));
    const { jti, exp } = claimsOf(token);
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: TEST_TABLE_NAME, Key: { pk: { S: `${keyPrefix.revokedAccessToken}${String(jti)}` } } }));
    expect(Item?.[tableSchema.timeToLiveAttribute]?.N).toBe(String(exp));
    expect(Item?.clientId?.S).toBe(client.clientId);
  });

  it('is idempotent: revoking again, with either hint, answers 200 and the token stays revoked', async () => {
    const client = await registerClient();
    const token = await accessToken(client);
    expectRevocationAnswer(await revoke(client, { token }));
    expectRevocationAnswer(await revoke(client, { token, token_type_hint: 'refresh_token' }));
    expect((await introspect(client, token)).json.active).toBe(false);
  });

  it('works for a private_key_jwt client (assertion aud the issuer)', async () => {
    const key = await generateClientKey('ES256');
    const client = await registerClient({ token_endpoint_auth_method: 'private_key_jwt', jwks: jwks(key) });
    const authReqId = await startAuthRequestWithAssertion(client, key);
    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const tokens = await call('POST', endpointPaths.token, {
      form: [...assertionForm(await clientAssertion(client, key)), ['grant_type', CIBA_GRANT_TYPE], ['auth_req_id', authReqId]],
    });
    expect(tokens.status, tokens.body).toBe(200);
    const token = String(tokens.json.access_token);
    const result = await call('POST', endpointPaths.revocation, { form: [...assertionForm(await clientAssertion(client, key, { aud: TEST_ISSUER })), ['token', token]] });
    expectRevocationAnswer(result);
    expectError(await userinfo(token), 401, 'invalid_token');
  });

  it('is advertised in discovery with the token endpoint authentication methods', async () => {
    const metadata = (await call('GET', endpointPaths.discovery)).json;
    expect(metadata.revocation_endpoint).toBe(TEST_ISSUER + endpointPaths.revocation);
    expect(metadata.revocation_endpoint_auth_methods_supported).toEqual(metadata.token_endpoint_auth_methods_supported);
    expect(metadata.revocation_endpoint_auth_signing_alg_values_supported).toEqual(metadata.token_endpoint_auth_signing_alg_values_supported);
  });
});

describe('revocation that changes nothing, answered 200 all the same (RFC 7009 §2.2)', () => {
  it("another client's token: answered 200, and the token stays active for its owner and at userinfo", async () => {
    const owner = await registerClient();
    const other = await registerClient();
    const token = await accessToken(owner);
    expectRevocationAnswer(await revoke(other, { token }));
    expect((await introspect(owner, token)).json.active).toBe(true);
    expect((await userinfo(token)).status).toBe(200);
  });

  it('unknown, malformed and tampered tokens, and an ID token', async () => {
    const client = await registerClient();
    const tokens = await issueTokens(client);
    for (const token of [randomUUID(), 'a.b.c', tamperSignature(String(tokens.access_token)), String(tokens.id_token)]) {
      expectRevocationAnswer(await revoke(client, { token }));
    }
    expect((await introspect(client, String(tokens.access_token))).json.active).toBe(true);
  });

  it('an unknown refresh-token-shaped string', async () => {
    const client = await registerClient();
    expectRevocationAnswer(await revoke(client, { token: randomUUID(), token_type_hint: 'refresh_token' }));
  });
});

describe('revoking a refresh token revokes its grant (RFC 7009 §2.1)', () => {
  const refreshClient = (): Promise<TestClient> => registerClient({ grant_types: [CIBA_GRANT_TYPE, 'refresh_token'] });

  it('after which the refresh token no longer refreshes', async () => {
    const client = await refreshClient();
    const refreshToken = await newRefreshToken(client);
    expectRevocationAnswer(await revoke(client, { token: refreshToken, token_type_hint: 'refresh_token' }));
    expectError(await refresh(client, refreshToken), 400, 'invalid_grant');
  });

  it('whatever the hint says', async () => {
    const client = await refreshClient();
    const refreshToken = await newRefreshToken(client);
    expectRevocationAnswer(await revoke(client, { token: refreshToken, token_type_hint: 'access_token' }));
    expectError(await refresh(client, refreshToken), 400, 'invalid_grant');
  });

  it('even through an older, already used token of the grant: the newest stops working too', async () => {
    const client = await refreshClient();
    const first = await newRefreshToken(client);
    const refreshed = await refresh(client, first);
    expect(refreshed.status, refreshed.body).toBe(200);
    expectRevocationAnswer(await revoke(client, { token: first }));
    expectError(await refresh(client, String(refreshed.json.refresh_token)), 400, 'invalid_grant');
  });

  it("not by another client: answered 200, and the owner's token still refreshes", async () => {
    const owner = await refreshClient();
    const refreshToken = await newRefreshToken(owner);
    expectRevocationAnswer(await revoke(await refreshClient(), { token: refreshToken, token_type_hint: 'refresh_token' }));
    expect((await refresh(owner, refreshToken)).status).toBe(200);
  });
});

describe('revocation errors, each with Cache-Control: no-store', () => {
  it('refuses a token type hint it does not know, 400 unsupported_token_type (RFC 7009 §2.2.1)', async () => {
    const client = await registerClient();
    const token = await accessToken(client);
    expectError(await revoke(client, { token, token_type_hint: 'id_token' }), 400, 'unsupported_token_type');
    // Refused means not revoked.
    expect((await introspect(client, token)).json.active).toBe(true);
  });

  it('refuses a request without client authentication, or with a wrong secret, 401 invalid_client', async () => {
    const client = await registerClient();
    const token = await accessToken(client);
    expectError(await call('POST', endpointPaths.revocation, { form: { token } }), 401, 'invalid_client');
    expectError(await call('POST', endpointPaths.revocation, { headers: basic(client, 'wrong-secret'), form: { token } }), 401, 'invalid_client');
    expect((await introspect(client, token)).json.active).toBe(true);
  });

  it('refuses a request without a token, 400 invalid_request', async () => {
    const client = await registerClient();
    expectError(await revoke(client, {}), 400, 'invalid_request');
  });

  it('refuses a body that is not form-encoded', async () => {
    const client = await registerClient();
    expectError(await call('POST', endpointPaths.revocation, { headers: basic(client), json: { token: 'x' } }), 400, 'invalid_request');
  });
});
