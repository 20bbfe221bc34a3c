/**
 * private_key_jwt client authentication (OIDC Core §9, RFC 7523 §2.2, §3) at the backchannel and token
 * endpoints. CIBA Core §7.1: the assertion's aud may be the issuer, the token endpoint or the backchannel
 * endpoint. Every failed assertion is 401 invalid_client; a malformed request is 400 invalid_request.
 *
 * At the token endpoint each request names a fresh pending auth_req_id of the client, so an accepted
 * assertion is answered authorization_pending (and never slow_down: each request is polled once).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { TEST_ISSUER } from '../support/constants.js';
import {
  approveAndRedeem,
  assertionForm,
  authReqIdOf,
  backchannelWithAssertion,
  clientAssertion,
  generateClientKey,
  handBuiltJwt,
  idTokenClaims,
  jwks,
  nowSeconds,
  pollWithAssertion,
  signJwt,
  withAlg,
  type ClientAlg,
  type ClientKey,
} from '../support/jwt.js';
import { basic, call, expectError, registerClient, type CallResult, type TestClient } from '../support/provider.js';

type Endpoint = 'backchannel' | 'token';

interface KeyedClient {
  readonly client: TestClient;
  readonly key: ClientKey;
}

const BACKCHANNEL_FORM: [string, string][] = [
  ['scope', 'openid'],
  ['login_hint', 'jane.doe'],
];

async function privateKeyJwtClient(alg: ClientAlg, registeredAlg: ClientAlg | undefined = alg): Promise<KeyedClient> {
  const key = await generateClientKey(alg);
  const client = await registerClient({
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: jwks(key),
    ...(registeredAlg !== undefined ? { token_endpoint_auth_signing_alg: registeredAlg } : {}),
  });
  return { client, key };
}

/** A pending auth_req_id of the client, started with a fresh assertion. */
async function pendingRequest({ client, key }: KeyedClient): Promise<string> {
  return authReqIdOf(await backchannelWithAssertion(await clientAssertion(client, key), BACKCHANNEL_FORM));
}

/** Sends the endpoint's request (valid apart from client authentication) with these authentication form pairs. */
async function send(endpoint: Endpoint, owner: KeyedClient, authentication: [string, string][], headers: Record<string, string> = {}): Promise<CallResult> {
  if (endpoint === 'backchannel') return call('POST', '/bc-authorize', { headers, form: [...authentication, ...BACKCHANNEL_FORM] });
  const authReqId = await pendingRequest(owner);
  return call('POST', '/token', { headers, form: [...authentication, ['grant_type', CIBA_GRANT_TYPE], ['auth_req_id', authReqId]] });
}

function sendAssertion(endpoint: Endpoint, owner: KeyedClient, assertion: string): Promise<CallResult> {
  return send(endpoint, owner, assertionForm(assertion));
}

/** What an authenticated request gets: a new auth_req_id, or authorization_pending for the pending one. */
function expectAuthenticated(endpoint: Endpoint, result: CallResult): void {
  if (endpoint === 'backchannel') authReqIdOf(result);
  else expectError(result, 400, 'authorization_pending');
}

const clients = new Map<ClientAlg, KeyedClient>();
let psOnly: KeyedClient;

beforeAll(async () => {
  // ES256 without a registered token_endpoint_auth_signing_alg: any accepted algorithm will do.
  clients.set('ES256', await privateKeyJwtClient('ES256', undefined));
  for (const alg of ['PS256', 'RS256', 'EdDSA'] as const) clients.set(alg, await privateKeyJwtClient(alg));
  psOnly = await privateKeyJwtClient('PS256');
});

const es = (): KeyedClient => clients.get('ES256') as KeyedClient;

describe.each<Endpoint>(['backchannel', 'token'])('private_key_jwt at the %s endpoint', (endpoint) => {
  it.each<ClientAlg>(['ES256', 'PS256', 'RS256', 'EdDSA'])('accepts an assertion signed with %s', async (alg) => {
    const owner = clients.get(alg) as KeyedClient;
    expectAuthenticated(endpoint, await sendAssertion(endpoint, owner, await clientAssertion(owner.client, owner.key)));
  });

  it.each([
    ['the issuer', ''],
    ['the token endpoint', '/token'],
    ['the backchannel authentication endpoint', '/bc-authorize'],
  ])('accepts aud = %s', async (_name, path) => {
    const { client, key } = es();
    expectAuthenticated(endpoint, await sendAssertion(endpoint, es(), await clientAssertion(client, key, { aud: `${TEST_ISSUER}${path}` })));
  });

  describe('refuses with 401 invalid_client', () => {
    const cases: [string, (owner: KeyedClient) => Promise<string>][] = [
      ['aud of another server', ({ client, key }) => clientAssertion(client, key, { aud: 'https://other-server.example/token' })],
      ['iss that is not the sub (sub the client, iss someone else)', ({ client, key }) => clientAssertion(client, key, { iss: 'https://someone-else.example' })],
      ['sub that is not the client_id', ({ client, key }) => clientAssertion(client, key, { sub: `not-${client.clientId}` })],
      ['missing exp', ({ client, key }) => clientAssertion(client, key, {}, { omit: ['exp'] })],
      ['an expired assertion (exp an hour ago)', ({ client, key }) => clientAssertion(client, key, { exp: nowSeconds() - 3600, iat: nowSeconds() - 3660 })],
      ['exp an hour ahead (longer than 600 s)', ({ client, key }) => clientAssertion(client, key, { exp: nowSeconds() + 3600 })],
      ['missing jti', ({ client, key }) => clientAssertion(client, key, {}, { omit: ['jti'] })],
      [
        'a signature by a key the client did not register (same kid)',
        async ({ client, key }) => clientAssertion(client, { ...(await generateClientKey('ES256')), kid: key.kid }),
      ],
      [
        'alg none',
        async ({ client }) =>
          handBuiltJwt({ alg: 'none' }, { iss: client.clientId, sub: client.clientId, aud: TEST_ISSUER, exp: nowSeconds() + 60, iat: nowSeconds(), jti: randomUUID() }),
      ],
    ];

    it.each(cases)('%s', async (_name, make) => {
      expectError(await sendAssertion(endpoint, es(), await make(es())), 401, 'invalid_client');
    });

    it('RS256 when the client registered token_endpoint_auth_signing_alg PS256', async () => {
      expectError(await sendAssertion(endpoint, psOnly, await clientAssertion(psOnly.client, withAlg(psOnly.key, 'RS256'))), 401, 'invalid_client');
    });

    it('a replayed assertion: the same jti is accepted once, then refused', async () => {
      const owner = es();
      const assertion = await clientAssertion(owner.client, owner.key);
      expectAuthenticated(endpoint, await sendAssertion(endpoint, owner, assertion));
      expectError(await sendAssertion(endpoint, owner, assertion), 401, 'invalid_client');
    });

    it('no client authentication at all', async () => {
      expectError(await send(endpoint, es(), []), 401, 'invalid_client');
    });

    it('a private_key_jwt client trying client_secret_basic', async () => {
      expectError(await send(endpoint, es(), [], basic(es().client, 'a-secret-it-never-had')), 401, 'invalid_client');
    });
  });

  describe('refuses a malformed request with 400 invalid_request', () => {
    it('a client_assertion_type other than jwt-bearer', async () => {
      const { client, key } = es();
      const assertion = await clientAssertion(client, key);
      expectError(
        await send(endpoint, es(), [
          ['client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer'],
          ['client_assertion', assertion],
        ]),
        400,
        'invalid_request',
      );
    });

    it('client_assertion_type without client_assertion', async () => {
      const [typePair] = assertionForm('unused');
      expectError(await send(endpoint, es(), [typePair as [string, string]]), 400, 'invalid_request');
    });
  });
});

describe('private_key_jwt across the endpoints', () => {
  it('refuses at the token endpoint an assertion already used at the backchannel endpoint (401 invalid_client)', async () => {
    const owner = es();
    const assertion = await clientAssertion(owner.client, owner.key, { aud: TEST_ISSUER });
    const authReqId = authReqIdOf(await backchannelWithAssertion(assertion, BACKCHANNEL_FORM));
    expectError(await pollWithAssertion(assertion, authReqId), 401, 'invalid_client');
  });

  it('completes a flow: a fresh assertion at bc-authorize and at the token endpoint, then tokens', async () => {
    const { client, key } = clients.get('PS256') as KeyedClient;
    const bcAssertion = await clientAssertion(client, key, { aud: `${TEST_ISSUER}/bc-authorize` });
    const authReqId = authReqIdOf(await backchannelWithAssertion(bcAssertion, [...BACKCHANNEL_FORM, ['client_id', client.clientId]]));
    const tokens = await approveAndRedeem(authReqId, async () => pollWithAssertion(await clientAssertion(client, key), authReqId));
    expect(tokens.json).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
    expect((await idTokenClaims(tokens, client.clientId)).sub).toBe('jane.doe');
  });

  it('refuses an assertion whose kid the client never registered, though the key is its own (401 invalid_client)', async () => {
    const { client, key } = es();
    const assertion = await signJwt(
      { iss: client.clientId, sub: client.clientId, aud: TEST_ISSUER, exp: nowSeconds() + 60, iat: nowSeconds(), jti: randomUUID() },
      { ...key, kid: 'a-kid-never-registered' },
    );
    expectError(await backchannelWithAssertion(assertion, BACKCHANNEL_FORM), 401, 'invalid_client');
  });
});
