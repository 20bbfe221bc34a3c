/**
 * Fuzz properties of every JWT the provider reads: private_key_jwt client assertions (RFC 7523), signed
 * authentication requests (CIBA Core §7.1.1), login_hint_tokens and id_token_hints (CIBA Core §7.1),
 * device request JWTs and signed decisions (docs/device-protocol.md). Each starts from a valid token and
 * mutates it (or sends noise): the verifier returns, or throws an OAuthError the specifications name.
 *
 * The replay guard and the device lookup are the real DynamoDB adapters on the run's DynamoDB Local.
 */
import { randomUUID } from 'node:crypto';
import { CompactSign, SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbDeviceRepository } from '../../lambdas/adapters/dynamodb/device-repository.js';
import { DynamoDbReplayGuard } from '../../lambdas/adapters/dynamodb/replay-guard.js';
import { verifyClientAssertion } from '../../lambdas/core/client-authentication/verify-client-assertion.js';
import { readSignedRequest } from '../../lambdas/core/backchannel/read-signed-request.js';
import { verifyIdTokenHint } from '../../lambdas/core/backchannel/verify-id-token-hint.js';
import { verifyLoginHintToken } from '../../lambdas/core/backchannel/verify-login-hint-token.js';
import { authenticateDevice } from '../../lambdas/core/device/authenticate-device.js';
import { transactionHash } from '../../lambdas/core/device/transaction-hash.js';
import { verifySignedDecision } from '../../lambdas/core/device/verify-signed-decision.js';
import { ecThumbprint } from '../../lambdas/core/jwt/jwk-thumbprint.js';
import type { HttpRequest } from '../../lambdas/core/http/http.js';
import type { Client, Device, PublicJwk } from '../../lambdas/core/model.js';
import { systemClock, type JwksSource, type PublishedJwk, type Signer } from '../../lambdas/core/ports.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';
import { formParameters } from '../../lambdas/core/http/form.js';
import { TEST_ISSUER, TEST_TABLE_NAME } from '../support/constants.js';
import { anyText, base64urlish, expectResultOrOAuthError, fuzzParameters, hostileJson, mutateJws } from './arbitraries.js';

const config = { issuer: TEST_ISSUER };
/** The clients below register their keys inline: a jwks_uri fetch would be a bug in the test. */
const noJwksUri: JwksSource = { get: () => Promise.reject(new Error('no jwks_uri in these tests')) };
const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
const replay = new DynamoDbReplayGuard(sdkDynamoDb(dynamodb), TEST_TABLE_NAME);
const devices = new DynamoDbDeviceRepository(sdkDynamoDb(dynamodb), TEST_TABLE_NAME);
afterAll(() => dynamodb.destroy());

const now = (): number => Math.floor(Date.now() / 1000);

/** Mutations of a valid token, and noise. A mutation that leaves it valid succeeds once, then is a replay. */
const tokensLike = (valid: string): fc.Arbitrary<string> => fc.oneof(mutateJws(valid), anyText(200), base64urlish(200));

let clientKey: CryptoKey;
let client: Client;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  clientKey = pair.privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', use: 'sig' } as PublicJwk;
  client = { clientId: `fuzz-${randomUUID()}`, createdAt: 0, metadata: { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk] } } } as unknown as Client;
});

const sign = (claims: Record<string, unknown>, typ?: string): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1', ...(typ ? { typ } : {}) }).sign(clientKey);

describe('client assertions (RFC 7523)', () => {
  it('answers mutated assertions with success or invalid_client', async () => {
    const valid = await sign({ iss: client.clientId, sub: client.clientId, aud: `${TEST_ISSUER}/token`, exp: now() + 60, iat: now(), jti: randomUUID() });
    // The unmutated token verifies: the property below is not vacuous.
    await expect(verifyClientAssertion(valid, client, { config, clock: systemClock, jwks: noJwksUri, replay })).resolves.toBeUndefined();
    await fc.assert(
      fc.asyncProperty(tokensLike(valid), async (token) => {
        const outcome = (await expectResultOrOAuthError(() => verifyClientAssertion(token, client, { config, clock: systemClock, jwks: noJwksUri, replay }))) as { error?: { error: string } };
        if (outcome.error) expect(outcome.error.error).toBe('invalid_client');
      }),
      fuzzParameters(200),
    );
  });

  it('answers validly signed assertions with hostile claims with success or invalid_client', async () => {
    const claims = fc.dictionary(fc.constantFrom('iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', '__proto__', 'constructor'), hostileJson, { maxKeys: 7 });
    await fc.assert(
      fc.asyncProperty(claims, async (extra) => {
        const token = await sign({ iss: client.clientId, sub: client.clientId, aud: TEST_ISSUER, exp: now() + 60, jti: randomUUID(), ...extra });
        const outcome = (await expectResultOrOAuthError(() => verifyClientAssertion(token, client, { config, clock: systemClock, jwks: noJwksUri, replay }))) as { error?: { error: string } };
        if (outcome.error) expect(outcome.error.error).toBe('invalid_client');
      }),
      fuzzParameters(100),
    );
  });
});

describe('signed authentication requests (CIBA Core §7.1.1)', () => {
  it('answers mutated request objects and hostile claims with parameters or invalid_request', async () => {
    const valid = await sign({ iss: client.clientId, aud: TEST_ISSUER, exp: now() + 300, iat: now(), nbf: now(), jti: randomUUID(), scope: 'openid', login_hint: 'jane.doe' }, 'oauth-authz-req+jwt');
    await expect(readSignedRequest(formParameters([['request', valid]]), client, { config, clock: systemClock, jwks: noJwksUri, replay })).resolves.toMatchObject({ scope: 'openid' });
    const signedHostile = fc
      .dictionary(fc.constantFrom('scope', 'login_hint', 'requested_expiry', 'authorization_details', 'binding_message', 'aud', 'exp', 'nbf', '__proto__'), hostileJson, { maxKeys: 5 })
      .map((extra) => ({ extra }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(tokensLike(valid), signedHostile), async (input) => {
        const token = typeof input === 'string' ? input : await sign({ iss: client.clientId, aud: TEST_ISSUER, exp: now() + 300, iat: now(), nbf: now(), jti: randomUUID(), ...input.extra });
        const outcome = (await expectResultOrOAuthError(() => readSignedRequest(formParameters([['request', token]]), client, { config, clock: systemClock, jwks: noJwksUri, replay }))) as {
          error?: { error: string };
        };
        if (outcome.error) expect(outcome.error.error).toBe('invalid_request');
      }),
      fuzzParameters(200),
    );
  });
});

describe('login_hint_token (CIBA Core §7.1)', () => {
  it('answers mutated tokens and hostile sub_id values with a subject, invalid_request or expired_login_hint_token', async () => {
    const valid = await sign({ sub_id: { format: 'email', email: 'jane@example.com' }, exp: now() + 300 });
    await expect(verifyLoginHintToken(valid, client, { config, clock: systemClock, jwks: noJwksUri })).resolves.toEqual({ loginHint: 'jane@example.com' });
    const signedHostile = fc.record({ sub_id: hostileJson, exp: fc.oneof(hostileJson, fc.constant(now() + 300)) }, { requiredKeys: [] }).map((claims) => ({ claims }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(tokensLike(valid), signedHostile), async (input) => {
        const token = typeof input === 'string' ? input : await sign(input.claims);
        const outcome = (await expectResultOrOAuthError(() => verifyLoginHintToken(token, client, { config, clock: systemClock, jwks: noJwksUri }))) as { error?: { error: string } };
        if (outcome.error) expect(['invalid_request', 'expired_login_hint_token']).toContain(outcome.error.error);
      }),
      fuzzParameters(200),
    );
  });
});

describe('id_token_hint (CIBA Core §7.1)', () => {
  it("answers mutations of the provider's own ID token with a subject or invalid_request", async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const { crv, x, y } = (await exportJWK(publicKey)) as JWK & { crv: string; x: string; y: string };
    const jwk: PublishedJwk = { kty: 'EC', crv, x, y, kid: ecThumbprint({ crv, x, y }), use: 'sig', alg: 'ES256' };
    // Only publishedKeys is used: verifying needs the provider's public keys, never its signing key.
    const signer: Signer = { alg: 'ES256', publishedKeys: () => Promise.resolve([jwk]), currentKey: () => Promise.reject(new Error('not used')) };
    const valid = await new SignJWT({ iss: TEST_ISSUER, aud: client.clientId, sub: 'jane.doe', exp: now() + 300 }).setProtectedHeader({ alg: 'ES256', kid: jwk.kid }).sign(privateKey);
    await expect(verifyIdTokenHint(valid, client, { config, clock: systemClock, signer })).resolves.toBe('jane.doe');
    await fc.assert(
      fc.asyncProperty(tokensLike(valid), async (token) => {
        const outcome = (await expectResultOrOAuthError(() => verifyIdTokenHint(token, client, { config, clock: systemClock, signer }))) as { error?: { error: string } };
        if (outcome.error) expect(outcome.error.error).toBe('invalid_request');
      }),
      fuzzParameters(200),
    );
  });
});

describe('device request JWTs and signed decisions', () => {
  let device: Device;
  let deviceKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    deviceKey = pair.privateKey;
    const { x, y } = await exportJWK(pair.publicKey);
    const publicKey = { kty: 'EC', crv: 'P-256', x: String(x), y: String(y) } as const;
    device = {
      deviceId: `dev-${randomUUID()}`,
      sub: 'jane.doe',
      publicKey,
      keyThumbprint: ecThumbprint(publicKey),
      platform: 'FCM',
      displayName: 'Fuzz phone',
      createdAt: Date.now(),
      status: 'active',
    } as Device;
    await devices.create(device);
  });

  const request = (authorization: string[]): HttpRequest => ({ method: 'GET', path: '/device/auth-requests', headers: { authorization }, query: {}, pathParameters: {}, body: undefined });

  it('answers mutated Authorization: Device headers with the device or invalid_token', async () => {
    const valid = await new SignJWT({ htm: 'GET', htu: `${TEST_ISSUER}/device/auth-requests`, jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'device-request+jwt', kid: device.deviceId })
      .setIssuer(device.deviceId)
      .setAudience(TEST_ISSUER)
      .setIssuedAt(now())
      .setExpirationTime(now() + 60)
      .sign(deviceKey);
    await expect(authenticateDevice(request([`Device ${valid}`]), { config, clock: systemClock, devices, replay })).resolves.toMatchObject({ deviceId: device.deviceId });
    const headers = fc.oneof(
      mutateJws(valid).map((jwt) => [`Device ${jwt}`]),
      fc.array(fc.oneof(anyText(80), fc.constantFrom('Device', 'Device ', 'device a.b.c', `Bearer ${valid}`)), { maxLength: 3 }),
      fc.constant([`Device ${valid}`, `Device ${valid}`] as string[]),
    );
    await fc.assert(
      fc.asyncProperty(headers, async (authorization) => {
        const outcome = (await expectResultOrOAuthError(() => authenticateDevice(request(authorization), { config, clock: systemClock, devices, replay }))) as { error?: { error: string } };
        if (outcome.error) expect(outcome.error.error).toBe('invalid_token');
      }),
      fuzzParameters(200),
    );
  });

  it('answers mutated signed decisions and transactions with the decision or invalid_request', async () => {
    const authReqId = randomUUID();
    const transaction = { auth_req_id: authReqId, client_id: 'client-1', binding_message: 'Pay 10 EUR', decision: 'approve' };
    const payload = { auth_req_id: authReqId, decision: 'approve', amr: ['fpt'], transaction_hash: transactionHash(transaction as never), iat: now() };
    const valid = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', kid: device.deviceId, typ: 'ciba-decision+jwt' }).sign(deviceKey);
    expect(verifySignedDecision(valid, transaction, authReqId, device).decision).toBe('approve');
    const transactions = fc.oneof(fc.constant<unknown>(transaction), hostileJson, fc.dictionary(fc.constantFrom('auth_req_id', 'client_id', 'binding_message', 'authorization_details', 'decision'), hostileJson).map((t) => ({ ...transaction, ...t })));
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutateJws(valid), fc.constant(valid), hostileJson), transactions, async (jws, shown) => {
        const outcome = (await expectResultOrOAuthError(() => verifySignedDecision(jws, shown, authReqId, device))) as { error?: { error: string } };
        if (outcome.error) expect(outcome.error.error).toBe('invalid_request');
      }),
      fuzzParameters(200),
    );
  });
});
