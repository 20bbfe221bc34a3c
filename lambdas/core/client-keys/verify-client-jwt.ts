/**
 * Verifies a JWT that a client signed with one of its registered keys: the shared first half of
 * private_key_jwt client assertions (RFC 7523), signed authentication requests (CIBA Core §7.1.1) and
 * login_hint_tokens. Claim checks belong to each caller; this checks the algorithm and the signature.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { OAuthErrorClass } from '../errors.js';
import { decodeJws, keyTypeFor, verifyJwsSignature, JWS_ALGORITHMS, type DecodedJws, type JwsAlgorithm } from '../jwt/jws.js';
import type { Client, PublicJwk } from '../model.js';
import type { JwksSource } from '../ports.js';

export interface VerifyClientJwtOptions {
  /** The algorithms this use of the JWT allows (the client's registered one, or a profile's list). */
  readonly algorithms: readonly JwsAlgorithm[];
  /** The error every failure becomes: invalid_client for assertions, invalid_request for request objects. */
  readonly error: OAuthErrorClass;
  /** How error descriptions name the JWT, e.g. "the request object". */
  readonly what: string;
}

const importedKeys = new Map<string, KeyObject>();

function importKey(jwk: PublicJwk): KeyObject | undefined {
  const cacheKey = JSON.stringify(jwk);
  let key = importedKeys.get(cacheKey);
  if (!key) {
    try {
      key = createPublicKey({ key: jwk as never, format: 'jwk' });
    } catch {
      return undefined;
    }
    if (importedKeys.size > 500) importedKeys.clear();
    importedKeys.set(cacheKey, key);
  }
  return key;
}

/** Keys that may verify this JWS: by kid when the header names one, else every key fit for the alg. */
function candidates(keys: readonly PublicJwk[], alg: JwsAlgorithm, kid: unknown): PublicJwk[] {
  return keys.filter(
    (key) =>
      (kid === undefined || key.kid === kid) &&
      key.kty === keyTypeFor(alg) &&
      (key.use === undefined || key.use === 'sig') &&
      (key.alg === undefined || key.alg === alg),
  );
}

async function clientKeys(client: Client, jwks: JwksSource, refresh: boolean, options: VerifyClientJwtOptions): Promise<readonly PublicJwk[]> {
  if (client.metadata.jwks) return client.metadata.jwks.keys;
  if (!client.metadata.jwks_uri) return [];
  try {
    return (await jwks.get(client.metadata.jwks_uri, { refresh })).keys;
  } catch (cause) {
    // The client's own endpoint failing is the client's problem to fix, not a server error.
    throw new options.error(`${options.what} cannot be verified: the client's jwks_uri could not be read`, { cause });
  }
}

export async function verifyClientJwt(token: string, client: Client, jwks: JwksSource, options: VerifyClientJwtOptions): Promise<DecodedJws> {
  const { error, what } = options;
  const jws = decodeJws(token, error, what);
  const alg = jws.header.alg;
  // RFC 8725 §3.1: never let the token pick an algorithm it was not allowed; none and HMAC never are.
  if (alg === 'none') throw new error(`${what} must be signed: alg none is not accepted`);
  if (typeof alg !== 'string' || !(JWS_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new error(`${what} uses alg ${typeof alg === 'string' ? alg.slice(0, 16) : '(missing)'}, which is not accepted`);
  }
  if (!options.algorithms.includes(alg as JwsAlgorithm)) {
    throw new error(`${what} must be signed with ${options.algorithms.join(' or ')}, not ${alg}`);
  }
  if (jws.header.crit !== undefined) throw new error(`${what} uses critical header parameters, which are not supported`);
  const kid = jws.header.kid;
  if (kid !== undefined && typeof kid !== 'string') throw new error(`${what} has a kid that is not a string`);

  let keys = candidates(await clientKeys(client, jwks, false, options), alg as JwsAlgorithm, kid);
  // A client that rotated its keys publishes the new one at its jwks_uri: look once more.
  if (keys.length === 0 && client.metadata.jwks_uri) keys = candidates(await clientKeys(client, jwks, true, options), alg as JwsAlgorithm, kid);
  if (keys.length === 0) throw new error(`${what} is signed with a key the client has not registered`);
  // Without a kid the key must be unambiguous (some signing services cannot set kid).
  if (kid === undefined && keys.length > 1) throw new error(`${what} has no kid and the client has several ${alg} keys`);
  const verified = keys.some((jwk) => {
    const key = importKey(jwk);
    return key !== undefined && verifyJwsSignature(alg as JwsAlgorithm, key, jws);
  });
  if (!verified) throw new error(`${what} signature is invalid`);
  return jws;
}
