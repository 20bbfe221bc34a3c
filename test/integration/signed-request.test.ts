/**
 * Signed authentication requests (CIBA Core §7.1.1; FAPI-CIBA §5.2.2 for the lifetime limits): the
 * authentication parameters arrive only inside `request`, a JWT the client signed with a registered
 * key. Every failure is 400 invalid_request (CIBA Core §13 has no invalid_request_object).
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_ISSUER } from '../support/constants.js';
import {
  approveAndRedeem,
  authReqIdOf,
  generateClientKey,
  handBuiltJwt,
  idTokenClaims,
  jwks,
  nowSeconds,
  requestObject,
  requestObjectClaims,
  signJwt,
  signedBackchannel,
  tamperSignature,
  withAlg,
  type ClientAlg,
  type ClientKey,
} from '../support/jwt.js';
import { backchannel, expectError, poll, registerClient, type CallResult, type TestClient } from '../support/provider.js';

/** A client_secret_basic client that registered `key` and the request signing alg `alg`. */
async function signingClient(alg: ClientAlg, ...keys: ClientKey[]): Promise<TestClient> {
  return registerClient({ jwks: jwks(...keys), backchannel_authentication_request_signing_alg: alg });
}

describe('signed authentication requests: accepted (CIBA Core 7.1.1)', () => {
  it.each<ClientAlg>(['ES256', 'PS256', 'RS256'])('%s: request=<JWT> is accepted, approved and redeemed; the ID token names the hinted user', async (alg) => {
    const key = await generateClientKey(alg);
    const client = await signingClient(alg, key);
    const authReqId = authReqIdOf(await signedBackchannel(client, await requestObject(client, key, { login_hint: 'demo' })));
    const tokens = await approveAndRedeem(authReqId, () => poll(client, authReqId));
    expect((await idTokenClaims(tokens, client.clientId)).sub).toBe('demo');
  });

  describe('typ header', () => {
    let client: TestClient;
    let key: ClientKey;
    beforeAll(async () => {
      key = await generateClientKey('ES256');
      client = await signingClient('ES256', key);
    });

    it('accepts typ oauth-authz-req+jwt in mixed case', async () => {
      authReqIdOf(await signedBackchannel(client, await requestObject(client, key, {}, { header: { typ: 'OAuth-Authz-Req+JWT' } })));
    });

    it('accepts typ JWT (the seed signing service writes it)', async () => {
      authReqIdOf(await signedBackchannel(client, await requestObject(client, key, {}, { header: { typ: 'JWT' } })));
    });

    it('accepts a request object without typ', async () => {
      authReqIdOf(await signedBackchannel(client, await requestObject(client, key, {}, { header: { typ: undefined } })));
    });

    it('refuses typ at+jwt (an access token is not a request object)', async () => {
      expectError(await signedBackchannel(client, await requestObject(client, key, {}, { header: { typ: 'at+jwt' } })), 400, 'invalid_request');
    });
  });

  describe('requested_expiry inside the JWT', () => {
    let client: TestClient;
    let key: ClientKey;
    beforeAll(async () => {
      key = await generateClientKey('ES256');
      client = await signingClient('ES256', key);
    });

    it('accepts a JSON number (300) and answers expires_in 300', async () => {
      const result = await signedBackchannel(client, await requestObject(client, key, { requested_expiry: 300 }));
      authReqIdOf(result);
      expect(result.json.expires_in).toBe(300);
    });

    it('accepts a numeric string ("30") and answers expires_in 30', async () => {
      const result = await signedBackchannel(client, await requestObject(client, key, { requested_expiry: '30' }));
      authReqIdOf(result);
      expect(result.json.expires_in).toBe(30);
    });
  });
});

describe('signed authentication requests: refused with 400 invalid_request', () => {
  let client: TestClient;
  let key: ClientKey;
  /** Another client's registered key. */
  let otherKey: ClientKey;
  let psClient: TestClient;
  let rsaKey: ClientKey;

  beforeAll(async () => {
    key = await generateClientKey('ES256');
    client = await signingClient('ES256', key);
    otherKey = await generateClientKey('ES256');
    await signingClient('ES256', otherKey);
    rsaKey = await generateClientKey('PS256');
    psClient = await signingClient('PS256', rsaKey);
  });

  const HOUR = 3600;
  const cases: [string, () => Promise<CallResult>][] = [
    ['missing aud', async () => signedBackchannel(client, await requestObject(client, key, {}, { omit: ['aud'] }))],
    ['aud of another server', async () => signedBackchannel(client, await requestObject(client, key, { aud: 'https://other.example' }))],
    ['aud the token endpoint, not the issuer', async () => signedBackchannel(client, await requestObject(client, key, { aud: `${TEST_ISSUER}/token` }))],
    ['missing iss', async () => signedBackchannel(client, await requestObject(client, key, {}, { omit: ['iss'] }))],
    ['iss that is not the client_id', async () => signedBackchannel(client, await requestObject(client, key, { iss: psClient.clientId }))],
    ['missing exp', async () => signedBackchannel(client, await requestObject(client, key, {}, { omit: ['exp'] }))],
    // nbf and iat stay just inside the 60-minute age limit, so that only exp is wrong.
    ['exp an hour ago', async () => signedBackchannel(client, await requestObject(client, key, { exp: nowSeconds() - HOUR, iat: nowSeconds() - HOUR + 10, nbf: nowSeconds() - HOUR + 10 }))],
    ['missing iat', async () => signedBackchannel(client, await requestObject(client, key, {}, { omit: ['iat'] }))],
    ['missing nbf', async () => signedBackchannel(client, await requestObject(client, key, {}, { omit: ['nbf'] }))],
    ['missing jti', async () => signedBackchannel(client, await requestObject(client, key, {}, { omit: ['jti'] }))],
    ['nbf 10 minutes in the future', async () => signedBackchannel(client, await requestObject(client, key, { nbf: nowSeconds() + 600, exp: nowSeconds() + 900 }))],
    // An unexpired JWT with nbf 70 minutes old necessarily also lives longer than 60 minutes.
    ['nbf 70 minutes in the past', async () => signedBackchannel(client, await requestObject(client, key, { nbf: nowSeconds() - 70 * 60, iat: nowSeconds() - 70 * 60, exp: nowSeconds() + 60 }))],
    ['exp - nbf of 70 minutes', async () => signedBackchannel(client, await requestObject(client, key, { nbf: nowSeconds(), exp: nowSeconds() + 70 * 60 }))],
    ['alg none', async () => signedBackchannel(client, handBuiltJwt({ alg: 'none', typ: 'oauth-authz-req+jwt' }, requestObjectClaims(client)))],
    [
      'HS256 (signed with a random secret)',
      async () => signedBackchannel(client, await new SignJWT(requestObjectClaims(client)).setProtectedHeader({ alg: 'HS256', typ: 'oauth-authz-req+jwt' }).sign(randomBytes(32))),
    ],
    ['a bad signature (one character changed)', async () => signedBackchannel(client, tamperSignature(await requestObject(client, key)))],
    ["a signature by another client's registered key", async () => signedBackchannel(client, await requestObject(client, otherKey))],
    ['RS256 when the client registered PS256', async () => signedBackchannel(psClient, await requestObject(psClient, withAlg(rsaKey, 'RS256')))],
    ['login_hint as a form parameter beside request', async () => signedBackchannel(client, await requestObject(client, key, {}, { omit: ['login_hint'] }), [['login_hint', 'jane.doe']])],
    ['plain form parameters from a client that registered a signing alg', () => backchannel(client, { scope: 'openid', login_hint: 'jane.doe' })],
    ['an authentication parameter of the wrong JSON type (scope: 123)', async () => signedBackchannel(client, await requestObject(client, key, { scope: 123 }))],
    ['request that is not a JWT at all', () => signedBackchannel(client, 'abc')],
    ['a JWE-looking five-part token', () => signedBackchannel(client, `${Buffer.from('{"alg":"RSA-OAEP-256","enc":"A256GCM"}').toString('base64url')}.AAAA.BBBB.CCCC.DDDD`)],
  ];

  it.each(cases)('refuses %s', async (_name, send) => {
    expectError(await send(), 400, 'invalid_request');
  });

  it('refuses a replayed jti: the same JWT is accepted once, then refused', async () => {
    const jwt = await requestObject(client, key);
    authReqIdOf(await signedBackchannel(client, jwt));
    expectError(await signedBackchannel(client, jwt), 400, 'invalid_request');
  });
});

describe('signed authentication requests: choosing the key without a kid', () => {
  it('verifies a JWT without kid when the client has exactly one key', async () => {
    const key = await generateClientKey('ES256');
    const client = await signingClient('ES256', key);
    authReqIdOf(await signedBackchannel(client, await requestObject(client, key, {}, { header: { kid: undefined } })));
  });

  it('verifies a JWT without kid when the client has one key of its type beside a key of another type', async () => {
    const ecKey = await generateClientKey('ES256');
    const rsaKey = await generateClientKey('RS256');
    const client = await signingClient('ES256', ecKey, rsaKey);
    authReqIdOf(await signedBackchannel(client, await requestObject(client, ecKey, {}, { header: { kid: undefined } })));
  });

  it('refuses a JWT without kid when the client has two keys of its type (400 invalid_request)', async () => {
    const first = await generateClientKey('ES256');
    const second = await generateClientKey('ES256');
    const client = await signingClient('ES256', first, second);
    // Signed by the first key, which would verify: the refusal is for the ambiguity, not the signature.
    const jwt = await signJwt(requestObjectClaims(client), first, { header: { kid: undefined, typ: 'oauth-authz-req+jwt' } });
    expectError(await signedBackchannel(client, jwt), 400, 'invalid_request');
    // The same request with the kid goes through.
    authReqIdOf(await signedBackchannel(client, await requestObject(client, first)));
  });
});
