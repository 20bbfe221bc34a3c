/**
 * Refresh tokens (RFC 6749 §6; OIDC Core §11, §12; CIBA Core §10.1.1): issued with offline_access to
 * clients registered for the refresh_token grant, rotated on every use, the whole grant revoked when a
 * used one comes back, bound to their client, narrowing the scope only, stored only hashed.
 */
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { TEST_ISSUER, TEST_TABLE_NAME } from '../support/constants.js';
import { basic, call, cibaTokens, decide, expectError, newRefreshToken, poll, refresh, registerClient, startAuthRequest, type TestClient } from '../support/provider.js';

const RT_HASH_CLAIM = 'urn:openid:params:jwt:claim:rt_hash';
const AUTH_REQ_ID_CLAIM = 'urn:openid:params:jwt:claim:auth_req_id';
const REFRESH_GRANT = { grant_types: [CIBA_GRANT_TYPE, 'refresh_token'] };

let client: TestClient;
let jwks: ReturnType<typeof createLocalJWKSet>;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  client = await registerClient(REFRESH_GRANT);
  jwks = createLocalJWKSet((await call('GET', '/jwks')).json as unknown as JSONWebKeySet);
  dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
});

afterAll(() => dynamodb?.destroy());

/** OIDC Core 3.3.2.11 (at_hash, and CIBA Core's rt_hash): the left half of SHA-256, base64url. */
function leftHalfSha256(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest().subarray(0, 16).toString('base64url');
}

const sha256 = (value: string): string => createHash('sha256').update(value, 'utf8').digest('base64url');

async function storedItem(pk: string): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: TEST_TABLE_NAME, Key: { pk: { S: pk } }, ConsistentRead: true }));
  return Item;
}

describe('issuing a refresh token (OIDC Core §11, CIBA Core §10.1.1)', () => {
  it('comes with offline_access to a client registered for the refresh_token grant; the ID token has rt_hash', async () => {
    const authReqId = await startAuthRequest(client, { scope: 'openid email offline_access' });
    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const tokens = await poll(client, authReqId);

    expect(tokens.status, tokens.body).toBe(200);
    expect(tokens.headers['cache-control']).toBe('no-store');
    expect(tokens.json.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // offline_access is granted, so it is in the scope (OIDC Core §11).
    expect(String(tokens.json.scope).split(' ').sort()).toEqual(['email', 'offline_access', 'openid']);
    const { payload } = await jwtVerify(String(tokens.json.id_token), jwks, { issuer: TEST_ISSUER, audience: client.clientId });
    expect(payload[RT_HASH_CLAIM]).toBe(leftHalfSha256(String(tokens.json.refresh_token)));
    expect(payload.at_hash).toBe(leftHalfSha256(String(tokens.json.access_token)));
    expect(payload[AUTH_REQ_ID_CLAIM]).toBe(authReqId);
  });

  it('does not come without offline_access, even to a client with the grant', async () => {
    const tokens = await cibaTokens(client, { scope: 'openid email' });
    expect(tokens.json).not.toHaveProperty('refresh_token');
    expect(decodeJwt(String(tokens.json.id_token))).not.toHaveProperty(RT_HASH_CLAIM);
  });

  it('does not come to a client without the refresh_token grant: its offline_access is ignored (dropped), as before', async () => {
    const plain = await registerClient();
    const tokens = await cibaTokens(plain, { scope: 'openid offline_access' });
    expect(tokens.json).not.toHaveProperty('refresh_token');
    expect(tokens.json.scope).toBe('openid');
    expect(decodeJwt(String(tokens.json.id_token))).not.toHaveProperty(RT_HASH_CLAIM);
  });

  it('does not come to a client whose registered scope leaves offline_access out: it is ignored for that client', async () => {
    const narrow = await registerClient({ ...REFRESH_GRANT, scope: 'openid email' });
    const tokens = await cibaTokens(narrow, { scope: 'openid email offline_access' });
    expect(tokens.json).not.toHaveProperty('refresh_token');
    expect(tokens.json.scope).toBe('openid email');
  });

  it('is stored only as its SHA-256: the item is keyed by the hash and holds the value nowhere', async () => {
    const authReqId = await startAuthRequest(client, { scope: 'openid offline_access' });
    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const refreshToken = String((await poll(client, authReqId)).json.refresh_token);

    const item = await storedItem(`REFRESH#${sha256(refreshToken)}`);
    expect(item).toBeDefined();
    expect(JSON.stringify(item)).not.toContain(refreshToken);
    expect(item).toMatchObject({ clientId: { S: client.clientId }, sub: { S: 'jane.doe' }, status: { S: 'active' }, grantId: { S: expect.any(String) } });
    expect(await storedItem(`REFRESH#${refreshToken}`)).toBeUndefined();
    const grant = await storedItem(`GRANT#${String(item?.grantId?.S)}`);
    expect(grant).toMatchObject({ clientId: { S: client.clientId }, status: { S: 'active' } });
    // Poll mode keeps no copy of the response on the request either.
    expect(JSON.stringify(await storedItem(`AUTHREQ#${authReqId}`))).not.toContain(refreshToken);
  });
});

describe('refreshing (RFC 6749 §6, OIDC Core §12)', () => {
  it('answers 200 no-store with a Bearer access token, the scope, a new refresh token and an ID token of the original authentication', async () => {
    const original = await cibaTokens(client, { scope: 'openid email offline_access', acr_values: 'push' });
    const originalIdToken = decodeJwt(String(original.json.id_token));
    const refreshToken = String(original.json.refresh_token);

    const result = await refresh(client, refreshToken);
    expect(result.status, result.body).toBe(200);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(result.json).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer', expires_in: original.json.expires_in, scope: original.json.scope });
    expect(result.json.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(result.json.refresh_token).not.toBe(refreshToken);

    // The access token is the provider's JWT, like the CIBA grant's.
    const { payload: access } = await jwtVerify(String(result.json.access_token), jwks, { issuer: TEST_ISSUER, audience: TEST_ISSUER, typ: 'at+jwt' });
    expect(access).toMatchObject({ sub: 'jane.doe', client_id: client.clientId, scope: original.json.scope, acr: 'push', auth_time: originalIdToken.auth_time });

    // The ID token: the original auth_time and acr, no auth_req_id, rt_hash of the new refresh token.
    const { payload: id } = await jwtVerify(String(result.json.id_token), jwks, { issuer: TEST_ISSUER, audience: client.clientId });
    expect(id).toMatchObject({ sub: 'jane.doe', auth_time: originalIdToken.auth_time, acr: 'push' });
    expect(id.amr).toEqual(originalIdToken.amr);
    expect(id).not.toHaveProperty(AUTH_REQ_ID_CLAIM);
    expect(id).not.toHaveProperty('nonce');
    expect(id.at_hash).toBe(leftHalfSha256(String(result.json.access_token)));
    expect(id[RT_HASH_CLAIM]).toBe(leftHalfSha256(String(result.json.refresh_token)));
  });

  it('refuses a request without refresh_token with invalid_request', async () => {
    expectError(await call('POST', '/token', { headers: basic(client), form: { grant_type: 'refresh_token' } }), 400, 'invalid_request');
  });

  it('refuses an unknown refresh token with invalid_grant', async () => {
    expectError(await refresh(client, 'A'.repeat(43)), 400, 'invalid_grant');
    expectError(await refresh(client, 'A'.repeat(500)), 400, 'invalid_grant');
  });

  it('refuses a client registered without the refresh_token grant with unauthorized_client', async () => {
    const plain = await registerClient();
    expectError(await refresh(plain, await newRefreshToken(client)), 400, 'unauthorized_client');
    expectError(await refresh(plain, 'A'.repeat(43)), 400, 'unauthorized_client');
  });
});

describe('rotation and reuse detection (RFC 9700 §4.14.2)', () => {
  it('refuses the old refresh token once it has been used, and that reuse revokes the grant: the newest token is refused too', async () => {
    const first = await newRefreshToken(client);
    const second = await refresh(client, first);
    expect(second.status, second.body).toBe(200);
    const newest = String(second.json.refresh_token);

    expectError(await refresh(client, first), 400, 'invalid_grant');
    expectError(await refresh(client, newest), 400, 'invalid_grant');

    const item = await storedItem(`REFRESH#${sha256(first)}`);
    expect(item?.status).toEqual({ S: 'used' });
    expect(await storedItem(`GRANT#${String(item?.grantId?.S)}`)).toMatchObject({ status: { S: 'revoked' } });
  });

  it('a token used generations ago still revokes the grant', async () => {
    const first = await newRefreshToken(client);
    let current = first;
    for (let i = 0; i < 3; i++) {
      const next = await refresh(client, current);
      expect(next.status, next.body).toBe(200);
      current = String(next.json.refresh_token);
    }
    expectError(await refresh(client, first), 400, 'invalid_grant');
    expectError(await refresh(client, current), 400, 'invalid_grant');
  });

  it('revokes only its own grant: another grant of the same client and user keeps working', async () => {
    const replayed = await newRefreshToken(client);
    const other = await newRefreshToken(client);
    expect((await refresh(client, replayed)).status).toBe(200);
    expectError(await refresh(client, replayed), 400, 'invalid_grant');
    expect((await refresh(client, other)).status).toBe(200);
  });
});

describe("another client's refresh token (RFC 6749 §6: bound to its client)", () => {
  it('is invalid_grant, answered as an unknown token is, and spends nothing: the owner still refreshes with it', async () => {
    const other = await registerClient(REFRESH_GRANT);
    const refreshToken = await newRefreshToken(client);

    const stolen = await refresh(other, refreshToken);
    expectError(stolen, 400, 'invalid_grant');
    expect(stolen.json.error_description).toBe((await refresh(other, 'A'.repeat(43))).json.error_description);

    const owner = await refresh(client, refreshToken);
    expect(owner.status, owner.body).toBe(200);
  });
});

describe('scope (RFC 6749 §6)', () => {
  it('may be narrowed: the new tokens carry less, and the next refresh gets the whole grant again', async () => {
    const refreshToken = await newRefreshToken(client, { scope: 'openid email offline_access' });

    const narrowed = await refresh(client, refreshToken, { scope: 'openid' });
    expect(narrowed.status, narrowed.body).toBe(200);
    expect(narrowed.json.scope).toBe('openid');
    expect(decodeJwt(String(narrowed.json.access_token)).scope).toBe('openid');

    const again = await refresh(client, String(narrowed.json.refresh_token));
    expect(again.status, again.body).toBe(200);
    expect(String(again.json.scope).split(' ').sort()).toEqual(['email', 'offline_access', 'openid']);
  });

  it('narrowed to leave openid out: no ID token comes (OIDC Core §12.2: it might not)', async () => {
    const narrowed = await refresh(client, await newRefreshToken(client, { scope: 'openid email offline_access' }), { scope: 'email' });
    expect(narrowed.status, narrowed.body).toBe(200);
    expect(narrowed.json.scope).toBe('email');
    expect(narrowed.json).not.toHaveProperty('id_token');
    expect(narrowed.json.refresh_token).toEqual(expect.any(String));
  });

  it('may not be widened: invalid_scope, and the refresh token is not spent', async () => {
    const refreshToken = await newRefreshToken(client, { scope: 'openid email offline_access' });
    expectError(await refresh(client, refreshToken, { scope: 'openid email phone' }), 400, 'invalid_scope');
    expectError(await refresh(client, refreshToken, { scope: 'openid  email' }), 400, 'invalid_scope');
    expect((await refresh(client, refreshToken)).status).toBe(200);
  });
});

describe('discovery', () => {
  it('advertises the refresh_token grant, the offline_access scope and the rt_hash claim', async () => {
    const metadata = (await call('GET', '/.well-known/openid-configuration')).json;
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining([CIBA_GRANT_TYPE, 'refresh_token']));
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    expect(metadata.claims_supported).toEqual(expect.arrayContaining([RT_HASH_CLAIM]));
  });
});
