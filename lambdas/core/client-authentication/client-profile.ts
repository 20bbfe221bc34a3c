/**
 * The FAPI-CIBA profile (FAPI-CIBA §5.2.2, FAPI 1.0 Advanced §8.6), per client or as the deployment
 * default: signed authentication requests only, PS256 or ES256 only, private_key_jwt only, a
 * binding_message on every request.
 */
import type { JwsAlgorithm } from '../jwt/jws.js';
import { JWS_ALGORITHMS } from '../jwt/jws.js';
import type { Client } from '../model.js';

export const FAPI_ALGORITHMS: readonly JwsAlgorithm[] = ['PS256', 'ES256'];

export function isFapi(client: Client): boolean {
  return client.metadata.ciba_profile === 'fapi';
}

/** The algorithms a client's JWTs may use: the registered one if any, within its profile's list. */
export function clientSigningAlgorithms(client: Client, registered: string | undefined): readonly JwsAlgorithm[] {
  const allowed = isFapi(client) ? FAPI_ALGORITHMS : JWS_ALGORITHMS;
  if (registered === undefined) return allowed;
  return allowed.filter((alg) => alg === registered);
}
