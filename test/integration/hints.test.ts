/**
 * How the client names the user (CIBA Core §7.1): login_hint (a username, an email address in any
 * case, a phone number in any spelling), id_token_hint (an ID token this provider issued to the
 * client) and login_hint_token (a JWT the client signed, with an RFC 9493 sub_id). CIBA Core §13: a
 * hint that cannot be verified is invalid_request, one that names nobody unknown_user_id, an expired
 * login_hint_token expired_login_hint_token.
 */
import { randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserExistsError } from '../../lambdas/adapters/dynamodb/user-directory.js';
import { TEST_ISSUER } from '../support/constants.js';
import {
  approveAndRedeem,
  authReqIdOf,
  createTestUser,
  generateClientKey,
  handBuiltJwt,
  idTokenClaims,
  jwks,
  loginHintToken,
  nowSeconds,
  signJwt,
  tamperSignature,
  type ClientKey,
} from '../support/jwt.js';
import { backchannel, call, expectError, poll, registerClient, type TestClient } from '../support/provider.js';

/** Runs a whole flow with these backchannel parameters and returns the ID token's sub. */
async function subjectOf(client: TestClient, form: Record<string, string>): Promise<string | undefined> {
  const authReqId = authReqIdOf(await backchannel(client, { scope: 'openid', ...form }));
  const tokens = await approveAndRedeem(authReqId, () => poll(client, authReqId));
  return (await idTokenClaims(tokens, client.clientId)).sub;
}

/** An ID token this provider issued to the client, for `loginHint`. */
async function issuedIdToken(client: TestClient, loginHint: string): Promise<string> {
  const authReqId = authReqIdOf(await backchannel(client, { scope: 'openid', login_hint: loginHint }));
  const tokens = await approveAndRedeem(authReqId, () => poll(client, authReqId));
  return String(tokens.json.id_token);
}

let client: TestClient;
/** A client that registered a key, so it can sign login_hint_tokens. */
let keyedClient: TestClient;
let key: ClientKey;
let phoneUser: string;
/** As the user's claim has it, with spaces; hints spell it +digits. */
let phoneNumber: string;

beforeAll(async () => {
  client = await registerClient();
  key = await generateClientKey('ES256');
  keyedClient = await registerClient({ jwks: jwks(key) });
  // A random number shaped like +44 7700 900123; another try (at most three) if some other test has it.
  for (let attempt = 1; ; attempt++) {
    phoneNumber = `+44 7700 9${String(randomInt(0, 100_000)).padStart(5, '0')}`;
    try {
      phoneUser = await createTestUser({ claims: { phone_number: phoneNumber } });
      break;
    } catch (error) {
      if (!(error instanceof UserExistsError) || attempt === 3) throw error;
    }
  }
});

const compact = (phone: string): string => phone.replace(/\s/g, '');

describe('login_hint', () => {
  it('finds a user by email address in mixed case', async () => {
    expect(await subjectOf(client, { login_hint: 'Jane.Doe@EXAMPLE.com' })).toBe('jane.doe');
  });

  it('finds a user by phone number: claim "+44 7700 9xxxxx", hint "+4477009xxxxx"', async () => {
    expect(await subjectOf(client, { login_hint: compact(phoneNumber) })).toBe(phoneUser);
  });
});

describe('id_token_hint', () => {
  it('accepts an ID token previously issued to the same client; the new ID token has the same sub', async () => {
    const idToken = await issuedIdToken(client, 'demo');
    expect(await subjectOf(client, { id_token_hint: idToken })).toBe('demo');
  });

  it('refuses an ID token issued to another client (400 invalid_request)', async () => {
    const other = await registerClient();
    const idToken = await issuedIdToken(other, 'demo');
    expectError(await backchannel(client, { scope: 'openid', id_token_hint: idToken }), 400, 'invalid_request');
  });

  it('refuses a tampered ID token (400 invalid_request)', async () => {
    const idToken = await issuedIdToken(client, 'demo');
    expectError(await backchannel(client, { scope: 'openid', id_token_hint: tamperSignature(idToken) }), 400, 'invalid_request');
  });

  it("refuses a JWT with the provider's claims and kid signed by some other key (400 invalid_request)", async () => {
    const providerKid = String(((await call('GET', '/jwks')).json.keys as { kid: string }[])[0]?.kid);
    const forger = await generateClientKey('ES256', providerKid);
    const forged = await signJwt({ iss: TEST_ISSUER, aud: client.clientId, sub: 'jane.doe', iat: nowSeconds(), exp: nowSeconds() + 600 }, forger, { header: { typ: 'JWT' } });
    expectError(await backchannel(client, { scope: 'openid', id_token_hint: forged }), 400, 'invalid_request');
  });
});

describe('login_hint_token signed by the client', () => {
  it.each<[string, () => Record<string, unknown>, () => string]>([
    ['email', () => ({ format: 'email', email: 'jane.doe@example.com' }), () => 'jane.doe'],
    ['phone_number', () => ({ format: 'phone_number', phone_number: compact(phoneNumber) }), () => phoneUser],
    ['opaque (id = sub)', () => ({ format: 'opaque', id: 'demo' }), () => 'demo'],
    ['iss_sub (iss = this issuer)', () => ({ format: 'iss_sub', iss: TEST_ISSUER, sub: 'John' }), () => 'John'],
  ])('resolves sub_id format %s', async (_name, subId, expected) => {
    const token = await loginHintToken(key, subId());
    expect(await subjectOf(keyedClient, { login_hint_token: token })).toBe(expected());
  });

  it('refuses iss_sub naming another issuer (400 invalid_request)', async () => {
    const token = await loginHintToken(key, { format: 'iss_sub', iss: 'https://other-issuer.example', sub: 'John' });
    expectError(await backchannel(keyedClient, { scope: 'openid', login_hint_token: token }), 400, 'invalid_request');
  });

  it('refuses an unknown sub_id format (400 invalid_request)', async () => {
    const token = await loginHintToken(key, { format: 'x-nickname', nickname: 'jane.doe' });
    expectError(await backchannel(keyedClient, { scope: 'openid', login_hint_token: token }), 400, 'invalid_request');
  });

  it('answers an expired login_hint_token with 400 expired_login_hint_token', async () => {
    const token = await loginHintToken(key, { format: 'email', email: 'jane.doe@example.com' }, { iat: nowSeconds() - 3600, exp: nowSeconds() - 600 });
    expectError(await backchannel(keyedClient, { scope: 'openid', login_hint_token: token }), 400, 'expired_login_hint_token');
  });

  it('refuses an unsigned (alg none) login_hint_token (400 invalid_request)', async () => {
    const token = handBuiltJwt({ alg: 'none' }, { sub_id: { format: 'email', email: 'jane.doe@example.com' }, exp: nowSeconds() + 300 });
    expectError(await backchannel(keyedClient, { scope: 'openid', login_hint_token: token }), 400, 'invalid_request');
  });

  it('refuses a login_hint_token with a bad signature (400 invalid_request)', async () => {
    const token = tamperSignature(await loginHintToken(key, { format: 'email', email: 'jane.doe@example.com' }));
    expectError(await backchannel(keyedClient, { scope: 'openid', login_hint_token: token }), 400, 'invalid_request');
  });

  it('answers a login_hint_token naming nobody with 400 unknown_user_id', async () => {
    const token = await loginHintToken(key, { format: 'email', email: `nobody-${randomInt(1e9)}@example.com` });
    expectError(await backchannel(keyedClient, { scope: 'openid', login_hint_token: token }), 400, 'unknown_user_id');
  });

  it('refuses a login_hint_token from a client without registered keys (400 invalid_request)', async () => {
    const token = await loginHintToken(key, { format: 'email', email: 'jane.doe@example.com' });
    expectError(await backchannel(client, { scope: 'openid', login_hint_token: token }), 400, 'invalid_request');
  });
});
