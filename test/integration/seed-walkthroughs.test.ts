/**
 * The two ForgeRock CIBA walkthroughs this provider's seeds come from, replayed as their clients
 * sent them: (a) an ES256 key with kid "myCIBAKey", client_secret_basic, a signed request for "demo"
 * with acr_values push; (b) an RS256 key registered as an X.509 certificate, client_secret_post, a
 * signed request without kid (the signing service cannot set one) for "jane.doe" with acr_values ciba.
 */
import { describe, expect, it } from 'vitest';
import { jwkFromPemCertificate } from '../../lambdas/core/client-keys/x509.js';
import { TEST_ISSUER } from '../support/constants.js';
import {
  approveAndRedeem,
  authReqIdOf,
  generateClientKey,
  idTokenClaims,
  jwks,
  pollWithPost,
  requestObjectClaims,
  selfSignedCertificate,
  signJwt,
  signedBackchannel,
  type ClientKey,
} from '../support/jwt.js';
import { call, poll, registerClient } from '../support/provider.js';

describe('seed walkthroughs', () => {
  it('(a) ES256 key "myCIBAKey", client_secret_basic, request=<ES256 JWT> for demo with acr push: the ID token has sub demo and acr push', async () => {
    const key = await generateClientKey('ES256', 'myCIBAKey');
    const client = await registerClient({
      client_name: 'ExampleBank',
      token_endpoint_auth_method: 'client_secret_basic',
      jwks: jwks(key),
      backchannel_authentication_request_signing_alg: 'ES256',
    });
    const request = await signJwt(
      requestObjectClaims(client, {
        login_hint: 'demo',
        scope: 'openid profile',
        acr_values: 'push',
        binding_message: "Allow ExampleBank to transfer £50 from your 'Main' account to your 'Savings' account? (EB-0246326)",
      }),
      key,
      { header: { typ: 'JWT' } },
    );
    expect(JSON.parse(Buffer.from(request.split('.')[0] ?? '', 'base64url').toString())).toEqual({ alg: 'ES256', kid: 'myCIBAKey', typ: 'JWT' });

    const authReqId = authReqIdOf(await signedBackchannel(client, request));
    const tokens = await approveAndRedeem(authReqId, () => poll(client, authReqId));
    expect(await idTokenClaims(tokens, client.clientId)).toMatchObject({ iss: TEST_ISSUER, sub: 'demo', acr: 'push' });
  });

  it('(b) RS256 key as an X.509 certificate, client_secret_post, request=<RS256 JWT without kid> for jane.doe with acr ciba: sub jane.doe, acr ciba', async () => {
    const certificate = selfSignedCertificate('rsa', '/CN=ExampleBank CIBA signing');
    const client = await registerClient({
      client_name: 'ExampleBank',
      token_endpoint_auth_method: 'client_secret_post',
      jwks: { keys: [jwkFromPemCertificate(certificate.certificatePem)] },
      backchannel_authentication_request_signing_alg: 'RS256',
    });
    const key: ClientKey = { alg: 'RS256', kid: undefined, privateKey: certificate.privateKey, publicJwk: {} };
    const request = await signJwt(
      requestObjectClaims(client, {
        login_hint: 'jane.doe',
        scope: 'openid',
        acr_values: 'ciba',
        binding_message: 'Allow ExampleBank to transfer £500.00 from your Current account to account ending 5589?',
      }),
      key,
      { header: { typ: 'JWT' } },
    );
    // The seed's signing service writes exactly this header.
    expect(JSON.parse(Buffer.from(request.split('.')[0] ?? '', 'base64url').toString())).toEqual({ typ: 'JWT', alg: 'RS256' });

    const started = await call('POST', '/bc-authorize', {
      form: [
        ['client_id', client.clientId],
        ['client_secret', client.clientSecret],
        ['request', request],
      ],
    });
    const authReqId = authReqIdOf(started);
    const tokens = await approveAndRedeem(authReqId, () => pollWithPost(client, authReqId));
    expect(await idTokenClaims(tokens, client.clientId)).toMatchObject({ iss: TEST_ISSUER, sub: 'jane.doe', acr: 'ciba' });
  });
});
