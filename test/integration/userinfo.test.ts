/**
 * The UserInfo endpoint (OIDC Core §5.3) as a bearer-protected resource (RFC 6750): the claims the
 * access token's scopes release (OIDC Core §5.4), and every way a token is refused.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { keyPrefix } from '../../lambdas/adapters/dynamodb/table-schema.js';
import { providerSigner } from '../../lambdas/adapters/signing/signer.js';
import { config } from '../../lambdas/config.js';
import { signJwt } from '../../lambdas/core/jwt/sign-jwt.js';
import { endpointPaths } from '../../lambdas/routes.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { TEST_ISSUER, TEST_TABLE_NAME } from '../support/constants.js';
import { createTestUser, handBuiltJwt, nowSeconds, tamperSignature } from '../support/jwt.js';
import { basic, call, decide, expectError, poll, registerClient, startAuthRequest, type CallResult, type TestClient } from '../support/provider.js';

const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
afterAll(() => dynamodb.destroy());

/** Runs the CIBA flow for `loginHint` with `scope` and returns the token response's JSON. */
async function issueTokens(client: TestClient, scope: string, loginHint = 'jane.doe'): Promise<Record<string, unknown>> {
  const authReqId = await startAuthRequest(client, { scope, login_hint: loginHint });
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  const tokens = await poll(client, authReqId);
  expect(tokens.status, tokens.body).toBe(200);
  return tokens.json;
}

async function accessToken(client: TestClient, scope: string, loginHint?: string): Promise<string> {
  return String((await issueTokens(client, scope, loginHint)).access_token);
}

/** An access token signed with the provider's own key (the test process shares its key file), as minted but for `claims`. */
function forgeAccessToken(client: TestClient, claims: Record<string, unknown> = {}, header: Record<string, unknown> = { typ: 'at+jwt' }): Promise<string> {
  const now = nowSeconds();
  const payload = { iss: TEST_ISSUER, sub: 'jane.doe', aud: TEST_ISSUER, client_id: client.clientId, scope: 'openid email', jti: randomUUID(), iat: now, exp: now + 600, ...claims };
  return signJwt(providerSigner(config()), header, payload);
}

const userinfo = (token: string, method: 'GET' | 'POST' = 'GET'): Promise<CallResult> => call(method, endpointPaths.userinfo, { headers: { authorization: `Bearer ${token}` } });

/** A 401 invalid_token with the Bearer challenge naming the error (RFC 6750 §3, §3.1). */
function expectInvalidToken(result: CallResult): void {
  expectError(result, 401, 'invalid_token');
  expect(result.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
}

function expectInvalidRequest(result: CallResult): void {
  expectError(result, 400, 'invalid_request');
  expect(result.headers['www-authenticate']).toBe('Bearer error="invalid_request"');
}

describe('userinfo releases the claims of the token scopes (OIDC Core §5.4)', () => {
  it('gives sub only for openid alone, as JSON with Cache-Control: no-store', async () => {
    const client = await registerClient();
    const result = await userinfo(await accessToken(client, 'openid'));
    expect(result.status, result.body).toBe(200);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(result.json).toEqual({ sub: 'jane.doe' });
  });

  it('adds email and email_verified for the email scope', async () => {
    const client = await registerClient();
    const result = await userinfo(await accessToken(client, 'openid email'));
    expect(result.status, result.body).toBe(200);
    expect(result.json).toEqual({ sub: 'jane.doe', email: 'jane.doe@example.com', email_verified: true });
  });

  it('adds the profile claims the user has for the profile scope, and no email', async () => {
    const client = await registerClient();
    const result = await userinfo(await accessToken(client, 'openid profile'));
    expect(result.status, result.body).toBe(200);
    expect(result.json).toEqual({ sub: 'jane.doe', name: 'Jane Doe', given_name: 'Jane', family_name: 'Doe' });
  });

  it('releases phone and address, keeps false values, leaves out empty and null ones and claims no scope releases', async () => {
    const phone = `+4479${String(randomInt(10_000_000, 99_999_999))}`;
    const username = await createTestUser({
      claims: {
        name: 'Pat Example',
        nickname: '',
        middle_name: null,
        phone_number: phone,
        phone_number_verified: false,
        address: { country: 'GB', locality: 'London' },
        email: `${randomUUID()}@example.com`,
        employee_number: 'not released by any scope',
      },
    });
    const client = await registerClient();
    const result = await userinfo(await accessToken(client, 'openid profile phone address', username));
    expect(result.status, result.body).toBe(200);
    expect(result.json).toEqual({ sub: username, name: 'Pat Example', phone_number: phone, phone_number_verified: false, address: { country: 'GB', locality: 'London' } });
  });

  it('answers POST with the token in the Authorization header the same as GET', async () => {
    const client = await registerClient();
    const token = await accessToken(client, 'openid email');
    const [get, post] = [await userinfo(token), await userinfo(token, 'POST')];
    expect(post.status, post.body).toBe(200);
    expect(post.json).toEqual(get.json);
  });

  it('accepts the token as access_token in a form-encoded POST body (RFC 6750 §2.2)', async () => {
    const client = await registerClient();
    const result = await call('POST', endpointPaths.userinfo, { form: { access_token: await accessToken(client, 'openid') } });
    expect(result.status, result.body).toBe(200);
    expect(result.json).toEqual({ sub: 'jane.doe' });
  });

  it('is advertised in discovery as userinfo_endpoint', async () => {
    const metadata = (await call('GET', endpointPaths.discovery)).json;
    expect(metadata.userinfo_endpoint).toBe(TEST_ISSUER + endpointPaths.userinfo);
  });
});

describe('userinfo without a usable token', () => {
  it('answers a request with no token 401 with a bare Bearer challenge and no error code (RFC 6750 §3.1)', async () => {
    for (const result of [await call('GET', endpointPaths.userinfo), await call('POST', endpointPaths.userinfo)]) {
      expect(result.status).toBe(401);
      expect(result.headers['www-authenticate']).toBe('Bearer');
      expect(result.headers['cache-control']).toBe('no-store');
      expect(result.body).toBe('');
    }
  });

  it('treats credentials of another scheme as no token', async () => {
    const client = await registerClient();
    const result = await call('GET', endpointPaths.userinfo, { headers: basic(client) });
    expect(result.status).toBe(401);
    expect(result.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses a malformed token', async () => {
    expectInvalidToken(await userinfo('not-a-jwt'));
    expectInvalidToken(await userinfo('a.b.c'));
  });

  it('refuses a token whose signature was tampered with', async () => {
    const client = await registerClient();
    expectInvalidToken(await userinfo(tamperSignature(await accessToken(client, 'openid'))));
  });

  it('refuses a token with alg none', async () => {
    const client = await registerClient();
    const now = nowSeconds();
    const token = handBuiltJwt({ alg: 'none', typ: 'at+jwt' }, { iss: TEST_ISSUER, sub: 'jane.doe', aud: TEST_ISSUER, client_id: client.clientId, scope: 'openid', jti: randomUUID(), iat: now, exp: now + 60 });
    expectInvalidToken(await userinfo(token));
  });

  it('refuses the ID token: it is not an access token (typ JWT, aud the client)', async () => {
    const client = await registerClient();
    const tokens = await issueTokens(client, 'openid');
    expectInvalidToken(await userinfo(String(tokens.id_token)));
  });

  it('refuses an expired token', async () => {
    const client = await registerClient();
    const now = nowSeconds();
    const result = await userinfo(await forgeAccessToken(client, { iat: now - 700, exp: now - 100 }));
    expectInvalidToken(result);
    expect(result.json.error_description).toMatch(/expired/);
  });

  it('accepts the forged-but-valid control token: the refusals above are about what they change', async () => {
    const client = await registerClient();
    const result = await userinfo(await forgeAccessToken(client));
    expect(result.status, result.body).toBe(200);
    expect(result.json).toEqual({ sub: 'jane.doe', email: 'jane.doe@example.com', email_verified: true });
  });

  it('refuses a token of another issuer, of another type, for another audience, or with an unknown kid', async () => {
    const client = await registerClient();
    expectInvalidToken(await userinfo(await forgeAccessToken(client, { iss: 'https://other.example' })));
    expectInvalidToken(await userinfo(await forgeAccessToken(client, {}, { typ: 'JWT' })));
    expectInvalidToken(await userinfo(await forgeAccessToken(client, { aud: 'https://resource.example' })));
    const [header, payload, signature] = (await forgeAccessToken(client)).split('.');
    const otherKid = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(String(header), 'base64url').toString()), kid: 'another-key' })).toString('base64url');
    expectInvalidToken(await userinfo(`${otherKid}.${payload}.${signature}`));
  });

  it('accepts typ application/at+jwt in any case (RFC 9068 §4)', async () => {
    const client = await registerClient();
    const result = await userinfo(await forgeAccessToken(client, {}, { typ: 'Application/AT+JWT' }));
    expect(result.status, result.body).toBe(200);
  });

  it('refuses a revoked token', async () => {
    const client = await registerClient();
    const token = await accessToken(client, 'openid');
    expect((await userinfo(token)).status).toBe(200);
    const revoked = await call('POST', endpointPaths.revocation, { headers: basic(client), form: { token } });
    expect(revoked.status, revoked.body).toBe(200);
    const result = await userinfo(token);
    expectInvalidToken(result);
    expect(result.json.error_description).toMatch(/revoked/);
  });

  it('refuses a token whose user has been deleted since', async () => {
    const username = await createTestUser({ claims: { name: 'Soon Gone' } });
    const client = await registerClient();
    const token = await accessToken(client, 'openid profile', username);
    expect((await userinfo(token)).status).toBe(200);
    await dynamodb.send(new DeleteItemCommand({ TableName: TEST_TABLE_NAME, Key: { pk: { S: keyPrefix.user + username } } }));
    expectInvalidToken(await userinfo(token));
  });

  it('answers a token without the openid scope 403 insufficient_scope, naming the scope (RFC 6750 §3.1)', async () => {
    const client = await registerClient();
    const result = await userinfo(await forgeAccessToken(client, { scope: 'email' }));
    expectError(result, 403, 'insufficient_scope');
    expect(result.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="openid"');
  });
});

describe('userinfo refuses malformed requests (RFC 6750 §2, §3.1)', () => {
  it('refuses the token in the query string', async () => {
    const client = await registerClient();
    expectInvalidRequest(await call('GET', `${endpointPaths.userinfo}?access_token=${await accessToken(client, 'openid')}`));
  });

  it('refuses a token sent two ways at once', async () => {
    const client = await registerClient();
    const token = await accessToken(client, 'openid');
    expectInvalidRequest(await call('POST', endpointPaths.userinfo, { headers: { authorization: `Bearer ${token}` }, form: { access_token: token } }));
  });

  it('refuses a Bearer header without a well-formed token, and two Authorization headers', async () => {
    expectInvalidRequest(await call('GET', endpointPaths.userinfo, { headers: { authorization: 'Bearer' } }));
    expectInvalidRequest(await call('GET', endpointPaths.userinfo, { headers: { authorization: 'Bearer two tokens' } }));
    expectInvalidRequest(await call('GET', endpointPaths.userinfo, { headers: { authorization: ['Bearer a', 'Bearer b'] } }));
  });

  it('refuses a form body with access_token twice', async () => {
    expectInvalidRequest(await call('POST', endpointPaths.userinfo, { form: [['access_token', 'a'], ['access_token', 'b']] }));
  });
});
