/**
 * Signed authentication requests (CIBA Core §7.1.1; FAPI-CIBA §5.2.2 for the lifetime limits).
 * Every failure is invalid_request, with a description that says which rule the request broke.
 */
import type { Config } from '../../config.js';
import { InvalidRequest } from '../errors.js';
import type { FormParameters } from '../http/form.js';
import { safeName } from '../http/form.js';
import type { Client } from '../model.js';
import type { Clock, JwksSource, ReplayGuard } from '../ports.js';
import { clientSigningAlgorithms } from '../client-authentication/client-profile.js';
import { CLOCK_SKEW_SECONDS } from '../client-authentication/verify-client-assertion.js';
import { verifyClientJwt } from '../client-keys/verify-client-jwt.js';
import { AUTHENTICATION_PARAMETERS, RESOURCE_PARAMETER, WIRE_NAMES, type AuthenticationParameters } from './authentication-parameters.js';

/** FAPI-CIBA §5.2.2: exp − nbf at most 60 minutes; nbf at most 60 minutes old. */
export const MAX_REQUEST_OBJECT_LIFETIME_SECONDS = 3600;
export const MAX_REQUEST_OBJECT_AGE_SECONDS = 3600;

/** RFC 9101 §4 typ; the seed walkthrough's signing service writes plain JWT. Compared case-insensitively. */
const ACCEPTED_TYPES = ['oauth-authz-req+jwt', 'jwt'];

export interface SignedRequestDependencies {
  readonly config: Pick<Config, 'issuer'>;
  readonly clock: Clock;
  readonly jwks: JwksSource;
  readonly replay: ReplayGuard;
}

const fail = (description: string): never => {
  throw new InvalidRequest(description);
};

function numericClaim(payload: Readonly<Record<string, unknown>>, name: string): number {
  const value = payload[name];
  if (value === undefined) return fail(`the request object must have an ${name} claim`);
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`the request object ${name} claim must be a number`);
  return value;
}

/**
 * RFC 8707 §2 inside a request object (RFC 9101 §4: the parameters become claims): one resource as a
 * string, several as a JSON array of strings. What each must look like is checked with the form's.
 */
function resourceClaim(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) return value as string[];
  return fail('the request object resource claim must be a string or an array of strings');
}

export async function readSignedRequest(form: FormParameters, client: Client, deps: SignedRequestDependencies): Promise<AuthenticationParameters> {
  // CIBA Core §7.1.1: with a signed request, the authentication parameters come from inside it only.
  const outside = [...WIRE_NAMES, RESOURCE_PARAMETER].find((name) => form.has(name));
  if (outside) fail(`${safeName(outside)} must be inside the signed request object, not beside it`);

  const registered = client.metadata.backchannel_authentication_request_signing_alg;
  const algorithms = clientSigningAlgorithms(client, registered);
  const { header, payload } = await verifyClientJwt(form.get('request') ?? '', client, deps.jwks, { algorithms, error: InvalidRequest, what: 'the request object' });

  const typ = header.typ;
  if (typ !== undefined && (typeof typ !== 'string' || !ACCEPTED_TYPES.includes(typ.toLowerCase()))) {
    fail('the request object typ must be oauth-authz-req+jwt (or JWT)');
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud];
  if (audiences.length === 0) fail('the request object must have an aud claim');
  if (!audiences.includes(deps.config.issuer)) fail('the request object aud must be this provider\'s issuer');
  if (payload.iss === undefined) fail('the request object must have an iss claim');
  if (payload.iss !== client.clientId) fail('the request object iss must be the client_id');

  const now = Math.floor(deps.clock.now() / 1000);
  const exp = numericClaim(payload, 'exp');
  const iat = numericClaim(payload, 'iat');
  const nbf = numericClaim(payload, 'nbf');
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti.length === 0) fail('the request object must have a jti claim');
  if (exp <= now - CLOCK_SKEW_SECONDS) fail('the request object has expired');
  if (nbf > now + CLOCK_SKEW_SECONDS) fail('the request object is not valid yet (nbf is in the future)');
  if (nbf < now - MAX_REQUEST_OBJECT_AGE_SECONDS) fail(`the request object nbf is more than ${MAX_REQUEST_OBJECT_AGE_SECONDS / 60} minutes in the past`);
  if (exp - nbf > MAX_REQUEST_OBJECT_LIFETIME_SECONDS) fail(`the request object lifetime (exp - nbf) exceeds ${MAX_REQUEST_OBJECT_LIFETIME_SECONDS / 60} minutes`);
  if (iat > now + CLOCK_SKEW_SECONDS) fail('the request object iat is in the future');

  const parameters: Record<string, unknown> = {};
  for (const name of WIRE_NAMES) {
    const value = payload[name];
    if (value === undefined) continue;
    // JSON types the JWT may use where a form has text: a number for requested_expiry (CIBA Core
    // §7.1.1), the array itself for authorization_details (RFC 9396 §3).
    const numericExpiry = name === 'requested_expiry' && typeof value === 'number';
    const detailsArray = name === 'authorization_details' && Array.isArray(value);
    if (typeof value !== 'string' && !numericExpiry && !detailsArray) fail(`the request object ${name} claim must be a string`);
    parameters[AUTHENTICATION_PARAMETERS[name]] = value;
  }
  const resources = resourceClaim(payload[RESOURCE_PARAMETER]);
  if (resources !== undefined) parameters.resources = resources;
  // Last, so that a request rejected for another reason does not use up its jti.
  if (!(await deps.replay.firstUse('request_object', client.clientId, jti as string, (exp + CLOCK_SKEW_SECONDS) * 1000))) {
    fail('the request object has been used before (jti replay)');
  }
  return parameters as AuthenticationParameters;
}
