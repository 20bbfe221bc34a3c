/**
 * The FAPI-CIBA profile (FAPI-CIBA §5.2.2, FAPI 1.0 Advanced §8.6), per client with ciba_profile fapi:
 * private_key_jwt only, signed authentication requests only, PS256 or ES256 only, and a binding_message
 * on every request.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_INITIAL_ACCESS_TOKEN } from '../support/constants.js';
import {
  approveAndRedeem,
  authReqIdOf,
  backchannelWithAssertion,
  clientAssertion,
  generateClientKey,
  idTokenClaims,
  jwks,
  pollWithAssertion,
  requestObject,
  withAlg,
  type ClientAlg,
  type ClientKey,
} from '../support/jwt.js';
import { call, expectError, registerClient, type CallResult, type TestClient } from '../support/provider.js';

const BINDING_MESSAGE = 'Allow ExampleBank to transfer £500.00 from your Current account to account ending 5589?';

function register(metadata: Record<string, unknown>): Promise<CallResult> {
  return call('POST', '/register', {
    headers: { authorization: `Bearer ${TEST_INITIAL_ACCESS_TOKEN}` },
    json: { client_name: 'FAPI test client', backchannel_token_delivery_mode: 'poll', ...metadata },
  });
}

/** Metadata of a valid fapi client with `keys`, signing requests and assertions with `alg`. */
function fapiMetadata(alg: ClientAlg, ...keys: ClientKey[]): Record<string, unknown> {
  return {
    ciba_profile: 'fapi',
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: alg,
    backchannel_authentication_request_signing_alg: alg,
    jwks: jwks(...keys),
  };
}

/** POST /bc-authorize as the fapi client: a fresh assertion and `request`. */
async function fapiBackchannel(client: TestClient, key: ClientKey, request: string): Promise<CallResult> {
  return backchannelWithAssertion(await clientAssertion(client, key), [['request', request]]);
}

describe('registering a fapi client', () => {
  let rsaKey: ClientKey;
  beforeAll(async () => {
    rsaKey = await generateClientKey('PS256');
  });

  it('refuses client_secret_basic (400 invalid_client_metadata)', async () => {
    const metadata = { ...fapiMetadata('PS256', rsaKey), token_endpoint_auth_method: 'client_secret_basic', token_endpoint_auth_signing_alg: undefined };
    expectError(await register(metadata), 400, 'invalid_client_metadata');
  });

  it('refuses RS256 request signing (400 invalid_client_metadata)', async () => {
    expectError(await register({ ...fapiMetadata('PS256', rsaKey), backchannel_authentication_request_signing_alg: 'RS256' }), 400, 'invalid_client_metadata');
  });

  it('refuses EdDSA request signing (400 invalid_client_metadata)', async () => {
    const edKey = await generateClientKey('EdDSA');
    expectError(await register({ ...fapiMetadata('PS256', rsaKey, edKey), backchannel_authentication_request_signing_alg: 'EdDSA' }), 400, 'invalid_client_metadata');
  });

  it('refuses a client without a request signing alg (400 invalid_client_metadata)', async () => {
    expectError(await register({ ...fapiMetadata('PS256', rsaKey), backchannel_authentication_request_signing_alg: undefined }), 400, 'invalid_client_metadata');
  });

  it('refuses token_endpoint_auth_signing_alg RS256 (400 invalid_client_metadata)', async () => {
    expectError(await register({ ...fapiMetadata('PS256', rsaKey), token_endpoint_auth_signing_alg: 'RS256' }), 400, 'invalid_client_metadata');
  });

  it('registers private_key_jwt with PS256 request signing, and says ciba_profile fapi', async () => {
    const result = await register(fapiMetadata('PS256', rsaKey));
    expect(result.status, result.body).toBe(201);
    expect(result.json).toMatchObject({ ciba_profile: 'fapi', token_endpoint_auth_method: 'private_key_jwt', backchannel_authentication_request_signing_alg: 'PS256' });
    expect(result.json).not.toHaveProperty('client_secret');
  });
});

describe('a fapi client', () => {
  let client: TestClient;
  let key: ClientKey;
  beforeAll(async () => {
    key = await generateClientKey('PS256');
    client = await registerClient(fapiMetadata('PS256', key));
  });

  it('completes a flow: private_key_jwt PS256 at both endpoints, a PS256 request object with a binding_message', async () => {
    const request = await requestObject(client, key, { login_hint: 'jane.doe', binding_message: BINDING_MESSAGE });
    const authReqId = authReqIdOf(await fapiBackchannel(client, key, request));
    const tokens = await approveAndRedeem(authReqId, async () => pollWithAssertion(await clientAssertion(client, key), authReqId));
    expect((await idTokenClaims(tokens, client.clientId)).sub).toBe('jane.doe');
  });

  it('refuses a request object without binding_message (400 invalid_request)', async () => {
    expectError(await fapiBackchannel(client, key, await requestObject(client, key)), 400, 'invalid_request');
  });

  it('refuses plain form parameters instead of a request object (400 invalid_request)', async () => {
    const result = await backchannelWithAssertion(await clientAssertion(client, key), [
      ['scope', 'openid'],
      ['login_hint', 'jane.doe'],
      ['binding_message', BINDING_MESSAGE],
    ]);
    expectError(result, 400, 'invalid_request');
  });

  it('refuses a request object signed RS256 with the registered RSA key (400 invalid_request)', async () => {
    const request = await requestObject(client, withAlg(key, 'RS256'), { binding_message: BINDING_MESSAGE });
    expectError(await fapiBackchannel(client, key, request), 400, 'invalid_request');
  });
});

describe('a fapi client that registered ES256', () => {
  let client: TestClient;
  let ecKey: ClientKey;
  let rsaKey: ClientKey;
  beforeAll(async () => {
    ecKey = await generateClientKey('ES256');
    rsaKey = await generateClientKey('PS256');
    // Both keys registered, ES256 for requests and no token_endpoint_auth_signing_alg: the profile's list applies.
    client = await registerClient({ ...fapiMetadata('ES256', ecKey, rsaKey), token_endpoint_auth_signing_alg: undefined });
  });

  it('completes a flow with ES256 request object and a PS256 assertion (both FAPI algorithms)', async () => {
    const request = await requestObject(client, ecKey, { binding_message: BINDING_MESSAGE });
    const authReqId = authReqIdOf(await fapiBackchannel(client, rsaKey, request));
    const tokens = await approveAndRedeem(authReqId, async () => pollWithAssertion(await clientAssertion(client, ecKey), authReqId));
    expect((await idTokenClaims(tokens, client.clientId)).sub).toBe('jane.doe');
  });

  it('refuses a request object signed PS256, another FAPI algorithm than the registered one (400 invalid_request)', async () => {
    const request = await requestObject(client, rsaKey, { binding_message: BINDING_MESSAGE });
    expectError(await fapiBackchannel(client, ecKey, request), 400, 'invalid_request');
  });

  it('refuses a client assertion signed RS256, which FAPI does not allow (401 invalid_client)', async () => {
    const request = await requestObject(client, ecKey, { binding_message: BINDING_MESSAGE });
    const result = await backchannelWithAssertion(await clientAssertion(client, withAlg(rsaKey, 'RS256')), [['request', request]]);
    expectError(result, 401, 'invalid_client');
  });
});
