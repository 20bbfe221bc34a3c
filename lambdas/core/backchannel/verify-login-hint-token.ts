/**
 * login_hint_token (CIBA Core §7.1): a JWT the client signed, naming the user with an RFC 9493 subject
 * identifier in its `sub_id` claim. Returns the user it names, as the login key to look up.
 */
import type { Config } from '../../config.js';
import { ExpiredLoginHintToken, InvalidRequest } from '../errors.js';
import type { Client } from '../model.js';
import type { Clock, JwksSource } from '../ports.js';
import { clientSigningAlgorithms } from '../client-authentication/client-profile.js';
import { CLOCK_SKEW_SECONDS } from '../client-authentication/verify-client-assertion.js';
import { verifyClientJwt } from '../client-keys/verify-client-jwt.js';

/** Who a login_hint_token names: a login hint to resolve, or a subject identifier directly. */
export type HintedSubject = { readonly loginHint: string } | { readonly sub: string };

export async function verifyLoginHintToken(
  token: string,
  client: Client,
  deps: { config: Pick<Config, 'issuer'>; clock: Clock; jwks: JwksSource },
): Promise<HintedSubject> {
  if (!client.metadata.jwks && !client.metadata.jwks_uri) throw new InvalidRequest('a login_hint_token needs the client to have registered keys');
  const algorithms = clientSigningAlgorithms(client, client.metadata.backchannel_authentication_request_signing_alg);
  const { payload } = await verifyClientJwt(token, client, deps.jwks, { algorithms, error: InvalidRequest, what: 'the login_hint_token' });
  const exp = payload.exp;
  if (exp !== undefined && (typeof exp !== 'number' || exp <= deps.clock.now() / 1000 - CLOCK_SKEW_SECONDS)) {
    throw new ExpiredLoginHintToken('the login_hint_token has expired');
  }
  const subId = payload.sub_id as Record<string, unknown> | undefined;
  if (typeof subId !== 'object' || subId === null) throw new InvalidRequest('the login_hint_token must carry a sub_id subject identifier (RFC 9493)');
  const text = (name: string): string => {
    const value = subId[name];
    if (typeof value !== 'string' || value.length === 0) throw new InvalidRequest(`the login_hint_token sub_id lacks ${name}`);
    return value;
  };
  switch (subId.format) {
    case 'email':
      return { loginHint: text('email') };
    case 'phone_number':
      return { loginHint: text('phone_number') };
    case 'opaque':
      return { sub: text('id') };
    case 'iss_sub':
      if (text('iss') !== deps.config.issuer) throw new InvalidRequest('the login_hint_token iss_sub names another issuer');
      return { sub: text('sub') };
    default:
      throw new InvalidRequest('the login_hint_token sub_id format must be email, phone_number, opaque or iss_sub');
  }
}
