/**
 * Dynamic client registration (RFC 7591 §3, CIBA Core §4) through the local runner, on DynamoDB Local.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { TEST_INITIAL_ACCESS_TOKEN, TEST_TABLE_NAME } from '../support/constants.js';
import { call, expectError, type CallResult } from '../support/provider.js';

// Register as a deployment does: the local runner lets clients use plain-http URLs
// (CIBA_ALLOW_HTTP_CLIENT_URLS in local/options.ts), a deployed stack never does. Each test file runs
// in its own process and the handlers read the configuration on first use, after this line.
process.env.CIBA_ALLOW_HTTP_CLIENT_URLS = 'false';
// This file registers against a poll-only deployment: the modes a deployment does not offer are refused
// (CIBA_DELIVERY_MODES; discovery lists exactly the offered ones).
process.env.CIBA_DELIVERY_MODES = 'poll';

const bearer = { authorization: `Bearer ${TEST_INITIAL_ACCESS_TOKEN}` };

function register(metadata: unknown): Promise<CallResult> {
  return call('POST', '/register', { headers: bearer, json: metadata });
}

function ecPublicJwk(): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...publicKey.export({ format: 'jwk' }), kid: 'client-key-1', use: 'sig', alg: 'ES256' };
}

function ecPrivateJwk(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'client-key-1' };
}

/** A valid CIBA poll-mode client; each invalid case below changes exactly one thing about it. */
const validCiba = { client_name: 'Registration test', backchannel_token_delivery_mode: 'poll' };

describe('the initial access token (RFC 7591 §3, RFC 6750 §3)', () => {
  it('refuses a request without Authorization: 401 invalid_token with a Bearer challenge', async () => {
    const result = await call('POST', '/register', { json: validCiba });
    expectError(result, 401, 'invalid_token');
    expect(result.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(result.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses a wrong initial access token', async () => {
    const result = await call('POST', '/register', { headers: { authorization: `Bearer ${TEST_INITIAL_ACCESS_TOKEN}x` }, json: validCiba });
    expectError(result, 401, 'invalid_token');
    expect(result.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });

  it('refuses the right token under another scheme', async () => {
    const result = await call('POST', '/register', { headers: { authorization: `Basic ${TEST_INITIAL_ACCESS_TOKEN}` }, json: validCiba });
    expectError(result, 401, 'invalid_token');
  });
});

describe('the request body (RFC 7591 §3.1)', () => {
  it('refuses a Content-Type other than application/json', async () => {
    const result = await call('POST', '/register', { headers: { ...bearer, 'content-type': 'text/plain' }, body: JSON.stringify(validCiba) });
    expectError(result, 400, 'invalid_client_metadata');
  });

  it('refuses a form-encoded body', async () => {
    const result = await call('POST', '/register', { headers: bearer, form: { client_name: 'x', backchannel_token_delivery_mode: 'poll' } });
    expectError(result, 400, 'invalid_client_metadata');
  });

  it('refuses malformed JSON', async () => {
    const result = await call('POST', '/register', { headers: { ...bearer, 'content-type': 'application/json' }, body: '{"client_name": "x",' });
    expectError(result, 400, 'invalid_client_metadata');
  });

  it('refuses a JSON array body', async () => {
    expectError(await register([validCiba]), 400, 'invalid_client_metadata');
  });

  it('refuses a JSON null body', async () => {
    expectError(await register(null), 400, 'invalid_client_metadata');
  });
});

describe('a successful registration (RFC 7591 §3.2.1)', () => {
  it('answers 201 with the client information and the CIBA metadata echoed', async () => {
    const before = Math.floor(Date.now() / 1000);
    const result = await register({ ...validCiba, scope: 'openid email', token_endpoint_auth_method: 'client_secret_basic' });
    const after = Math.ceil(Date.now() / 1000);
    expect(result.status, result.body).toBe(201);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(result.json).toMatchObject({
      client_id: expect.any(String),
      client_secret: expect.any(String),
      client_secret_expires_at: 0,
      client_name: 'Registration test',
      backchannel_token_delivery_mode: 'poll',
      grant_types: [CIBA_GRANT_TYPE],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid email',
    });
    expect(String(result.json.client_id).length).toBeGreaterThan(0);
    // 256 bits in base64url is 43 characters.
    expect(String(result.json.client_secret).length).toBeGreaterThanOrEqual(43);
    expect(Number.isInteger(result.json.client_id_issued_at)).toBe(true);
    expect(result.json.client_id_issued_at).toBeGreaterThanOrEqual(before);
    expect(result.json.client_id_issued_at).toBeLessThanOrEqual(after);
  });

  it('gives every client its own id and secret', async () => {
    const first = await register(validCiba);
    const second = await register(validCiba);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(first.json.client_id).not.toBe(second.json.client_id);
    expect(first.json.client_secret).not.toBe(second.json.client_secret);
  });

  it('makes a client that names no grant type a CIBA client', async () => {
    const result = await register(validCiba);
    expect(result.status, result.body).toBe(201);
    expect(result.json.grant_types).toEqual([CIBA_GRANT_TYPE]);
  });

  it('ignores metadata it does not understand and does not echo it', async () => {
    const result = await register({ ...validCiba, x_unknown_member: 'value', software_statement_like: { a: 1 } });
    expect(result.status, result.body).toBe(201);
    expect(result.json).not.toHaveProperty('x_unknown_member');
    expect(result.json).not.toHaveProperty('software_statement_like');
  });

  it('registers a private_key_jwt client with a valid ES256 public JWK, without a client secret', async () => {
    const jwk = ecPublicJwk();
    const result = await register({
      ...validCiba,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      backchannel_authentication_request_signing_alg: 'ES256',
      jwks: { keys: [jwk] },
    });
    expect(result.status, result.body).toBe(201);
    expect(result.json).not.toHaveProperty('client_secret');
    expect(result.json).not.toHaveProperty('client_secret_expires_at');
    expect(result.json).toMatchObject({
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      backchannel_authentication_request_signing_alg: 'ES256',
      jwks: { keys: [jwk] },
    });
  });

  it('registers a non-CIBA client (authorization_code, code, redirect_uris) without a delivery mode', async () => {
    const result = await register({
      client_name: 'Web app',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['https://client.example/callback'],
    });
    expect(result.status, result.body).toBe(201);
    expect(result.json).toMatchObject({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['https://client.example/callback'],
    });
    expect(result.json).not.toHaveProperty('backchannel_token_delivery_mode');
  });

  it('accepts backchannel_user_code_parameter false', async () => {
    const result = await register({ ...validCiba, backchannel_user_code_parameter: false });
    expect(result.status, result.body).toBe(201);
  });

  it('accepts backchannel_user_code_parameter true exactly when discovery says user codes are supported (CIBA Core §4)', async () => {
    const supported = (await call('GET', '/.well-known/openid-configuration')).json.backchannel_user_code_parameter_supported;
    expect(typeof supported).toBe('boolean');
    const result = await register({ ...validCiba, backchannel_user_code_parameter: true });
    if (supported === true) {
      expect(result.status, result.body).toBe(201);
      expect(result.json.backchannel_user_code_parameter).toBe(true);
    } else {
      expectError(result, 400, 'invalid_client_metadata');
      expect(result.json.error_description).toMatch(/backchannel_user_code_parameter/);
    }
  });
});

describe('invalid client metadata (RFC 7591 §3.2.2, CIBA Core §4)', () => {
  const { backchannel_token_delivery_mode: _mode, ...withoutMode } = validCiba;
  // [case, metadata, what the description names]: validate-client-metadata.ts promises a description
  // naming the field at fault (RFC 7591 §3.2.2), which also pins each refusal to its own reason.
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a CIBA client without backchannel_token_delivery_mode', withoutMode, /backchannel_token_delivery_mode/],
    ['an explicit CIBA grant without backchannel_token_delivery_mode', { ...withoutMode, grant_types: [CIBA_GRANT_TYPE] }, /backchannel_token_delivery_mode/],
    ['an unknown delivery mode', { ...validCiba, backchannel_token_delivery_mode: 'carrier-pigeon' }, /backchannel_token_delivery_mode/],
    [
      'ping mode, which this deployment does not offer',
      { ...validCiba, backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: 'https://client.example/cb' },
      /backchannel_token_delivery_mode/,
    ],
    [
      'push mode, which this deployment does not offer',
      { ...validCiba, backchannel_token_delivery_mode: 'push', backchannel_client_notification_endpoint: 'https://client.example/cb' },
      /backchannel_token_delivery_mode/,
    ],
    [
      'request signing alg none',
      { ...validCiba, jwks: { keys: [ecPublicJwk()] }, backchannel_authentication_request_signing_alg: 'none' },
      /backchannel_authentication_request_signing_alg/,
    ],
    [
      'request signing alg HS256',
      { ...validCiba, jwks: { keys: [ecPublicJwk()] }, backchannel_authentication_request_signing_alg: 'HS256' },
      /backchannel_authentication_request_signing_alg/,
    ],
    [
      'token endpoint signing alg none',
      { ...validCiba, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [ecPublicJwk()] }, token_endpoint_auth_signing_alg: 'none' },
      /token_endpoint_auth_signing_alg/,
    ],
    [
      'token endpoint signing alg HS256',
      { ...validCiba, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [ecPublicJwk()] }, token_endpoint_auth_signing_alg: 'HS256' },
      /token_endpoint_auth_signing_alg/,
    ],
    ['private_key_jwt without jwks or jwks_uri', { ...validCiba, token_endpoint_auth_method: 'private_key_jwt' }, /jwks/],
    ['jwks holding a private EC key (d)', { ...validCiba, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [ecPrivateJwk()] } }, /jwks/],
    [
      'jwks holding a symmetric key (kty oct)',
      { ...validCiba, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', alg: 'HS256' }] } },
      /jwks/,
    ],
    [
      'jwks and jwks_uri together',
      { ...validCiba, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [ecPublicJwk()] }, jwks_uri: 'https://client.example/jwks' },
      /jwks_uri/,
    ],
    ['a jwks_uri over plain http', { ...validCiba, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://client.example/jwks' }, /jwks_uri/],
    ['token_endpoint_auth_method none (CIBA clients are confidential)', { ...validCiba, token_endpoint_auth_method: 'none' }, /token_endpoint_auth_method/],
    ['an unknown grant type', { ...validCiba, grant_types: [CIBA_GRANT_TYPE, 'urn:example:grant:magic'] }, /grant.type/],
    ['id_token_signed_response_alg RS256 (only ES256 is offered)', { ...validCiba, id_token_signed_response_alg: 'RS256' }, /id_token_signed_response_alg/],
    ['an unknown scope', { ...validCiba, scope: 'openid banking' }, /scope/],
    ['a client_name with a control character', { ...validCiba, client_name: 'Bank\u0007app' }, /client_name/],
    ['a client_name with a bidirectional override (it is shown on the device)', { ...validCiba, client_name: 'Bank \u202Eppa' }, /client_name/],
    ['backchannel_user_code_parameter "yes" (not a boolean)', { ...validCiba, backchannel_user_code_parameter: 'yes' }, /backchannel_user_code_parameter/],
  ];

  it('the unchanged base metadata registers (so each case below fails for its own change)', async () => {
    expect((await register(validCiba)).status).toBe(201);
  });

  it.each(cases)('refuses %s: 400 invalid_client_metadata', async (_name, metadata, names) => {
    const result = await register(metadata);
    expectError(result, 400, 'invalid_client_metadata');
    expect(result.json.error_description).toMatch(names);
  });

  it('registers the valid counterparts of the key cases (https jwks_uri, an ES256 request signing alg with jwks)', async () => {
    const withUri = await register({ ...validCiba, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://client.example/jwks' });
    expect(withUri.status, withUri.body).toBe(201);
    const withAlg = await register({ ...validCiba, jwks: { keys: [ecPublicJwk()] }, backchannel_authentication_request_signing_alg: 'ES256' });
    expect(withAlg.status, withAlg.body).toBe(201);
  });
});

describe('stored client secrets (only their hashes)', () => {
  const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
  afterAll(() => dynamodb.destroy());

  it('keeps the SHA-256 of the secret, base64url, and the secret itself nowhere in the item', async () => {
    const result = await register(validCiba);
    expect(result.status, result.body).toBe(201);
    const clientId = String(result.json.client_id);
    const secret = String(result.json.client_secret);

    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: TEST_TABLE_NAME, Key: { pk: { S: `CLIENT#${clientId}` } }, ConsistentRead: true }),
    );
    expect(Item).toBeDefined();
    expect(JSON.stringify(Item)).not.toContain(secret);
    expect(Item?.secretHash?.S).toBe(createHash('sha256').update(secret, 'utf8').digest('base64url'));
  });
});
