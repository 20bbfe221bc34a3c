/**
 * private_key_jwt (OIDC Core §9, RFC 7523 §2.2, §3): the client authenticates with a JWT it signed.
 * Every failure is invalid_client.
 */
import type { Config } from '../../config.js';
import { endpointPaths } from '../../routes.js';
import { invalidClient, InvalidClient } from '../errors.js';
import type { JwsAlgorithm } from '../jwt/jws.js';
import type { Client } from '../model.js';
import type { Clock, JwksSource, ReplayGuard } from '../ports.js';
import { verifyClientJwt } from '../client-keys/verify-client-jwt.js';
import { clientSigningAlgorithms } from './client-profile.js';

/** How far in the future an assertion may expire: assertions are for one request, not sessions. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 600;
/** Clock difference tolerated between the client and the provider (documented in the README). */
export const CLOCK_SKEW_SECONDS = 30;

export interface AssertionDependencies {
  readonly config: Pick<Config, 'issuer'>;
  readonly clock: Clock;
  readonly jwks: JwksSource;
  readonly replay: ReplayGuard;
}

/**
 * CIBA Core §7.1: at the backchannel endpoint the OP MUST accept the issuer, the token endpoint URL
 * and the backchannel endpoint URL as the assertion's audience; every endpoint that authenticates
 * clients (token, introspection, revocation) accepts the same, and its own URL (RFC 7523 §3).
 */
function acceptedAudiences(issuer: string): string[] {
  const { token, backchannelAuthentication, introspection, revocation } = endpointPaths;
  return [issuer, ...[token, backchannelAuthentication, introspection, revocation].map((path) => `${issuer}${path}`)];
}

export async function verifyClientAssertion(assertion: string, client: Client, deps: AssertionDependencies): Promise<void> {
  const fail = (description: string): never => {
    throw invalidClient(description, false);
  };
  const algorithms: readonly JwsAlgorithm[] = clientSigningAlgorithms(client, client.metadata.token_endpoint_auth_signing_alg);
  const { payload } = await verifyClientJwt(assertion, client, deps.jwks, { algorithms, error: InvalidClient, what: 'the client assertion' });
  const now = Math.floor(deps.clock.now() / 1000);

  // RFC 7523 §3: iss and sub are the client_id.
  if (payload.iss !== client.clientId) fail('the client assertion iss must be the client_id');
  if (payload.sub !== client.clientId) fail('the client assertion sub must be the client_id');
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const accepted = acceptedAudiences(deps.config.issuer);
  if (!audiences.some((aud) => typeof aud === 'string' && accepted.includes(aud))) {
    fail('the client assertion aud must be the issuer, the token endpoint or the backchannel authentication endpoint');
  }
  const { exp, iat, nbf, jti } = payload;
  if (typeof exp !== 'number') fail('the client assertion must have an exp');
  if ((exp as number) <= now - CLOCK_SKEW_SECONDS) fail('the client assertion has expired');
  if ((exp as number) > now + MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    fail(`the client assertion must expire within ${MAX_ASSERTION_LIFETIME_SECONDS} seconds`);
  }
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + CLOCK_SKEW_SECONDS)) fail('the client assertion iat is in the future');
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + CLOCK_SKEW_SECONDS)) fail('the client assertion is not valid yet (nbf)');
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) fail('the client assertion must have a jti');
  // RFC 7523 §3: a jti seen before is a replay, for as long as the assertion would be valid.
  if (!(await deps.replay.firstUse('client_assertion', client.clientId, jti as string, ((exp as number) + CLOCK_SKEW_SECONDS) * 1000))) {
    fail('the client assertion has been used before (jti replay)');
  }
}
