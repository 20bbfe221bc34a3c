/**
 * The provider's own access tokens, as token/mint-token-response.ts makes them: RFC 9068 JWTs signed
 * by the provider's key. Userinfo accepts them, introspection describes them, revocation ends them;
 * all three ask this module whether a string is one, and whether it is still good.
 *
 * The answer is a value, not an exception, because the callers differ in what a bad token means: a
 * 401 at userinfo, `{"active": false}` at introspection, a silent 200 at revocation.
 */
import { createPublicKey } from 'node:crypto';
import type { Config } from '../../config.js';
import { CLOCK_SKEW_SECONDS } from '../client-authentication/verify-client-assertion.js';
import { InvalidToken, OAuthError } from '../errors.js';
import { decodeJws, verifyJwsSignature, type DecodedJws } from '../jwt/jws.js';
import type { Clock, RevocationList, Signer } from '../ports.js';

/** RFC 9068 §4: `at+jwt`, or the full media type; compared without regard to case (RFC 7515 §4.1.9). */
export const ACCESS_TOKEN_TYPES: readonly string[] = ['at+jwt', 'application/at+jwt'];

/** The longest jti accepted: the provider's are 22 characters; anything far longer is not one of them. */
const MAX_JTI_LENGTH = 255;

/** The claims of a verified access token (RFC 9068 §2.2, plus what this provider adds). */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly client_id: string;
  readonly scope: string;
  readonly jti: string;
  /** Epoch seconds. */
  readonly iat: number;
  /** Epoch seconds. */
  readonly exp: number;
  readonly auth_time?: number;
  readonly acr?: string;
  readonly amr?: readonly string[];
  readonly authorization_details?: readonly unknown[];
  readonly openbanking_intent_id?: string;
}

export type AccessTokenVerification =
  /** A token of this provider, unexpired and unrevoked. */
  | { readonly kind: 'active'; readonly claims: AccessTokenClaims }
  /** A token of this provider (its signature verifies) that is no longer good. */
  | { readonly kind: 'inactive'; readonly reason: 'expired' | 'revoked'; readonly claims: AccessTokenClaims }
  /** Not an access token of this provider: malformed, another type or issuer, a bad signature, the wrong audience. */
  | { readonly kind: 'invalid'; readonly reason: string };

export interface AccessTokenDependencies {
  readonly config: Pick<Config, 'issuer'>;
  readonly clock: Clock;
  readonly signer: Signer;
  readonly revocations: RevocationList;
}

export interface AccessTokenOptions {
  /** The token's aud must contain one of these (userinfo); unset: any audience (introspection, revocation). */
  readonly audiences?: readonly string[];
}

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isOptional = <T>(value: unknown, check: (value: unknown) => value is T): boolean => value === undefined || check(value);
const isStringList = (value: unknown): value is readonly string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** The claims, if they have the shape the provider mints; undefined otherwise (a bug or a key misuse). */
function readClaims(payload: DecodedJws['payload']): AccessTokenClaims | undefined {
  const { iss, sub, aud, client_id, scope, jti, iat, exp, auth_time, acr, amr, authorization_details, openbanking_intent_id } = payload;
  const audienceOk = isString(aud) || (isStringList(aud) && aud.length > 0);
  if (!isString(iss) || !isString(sub) || !audienceOk || !isString(client_id) || typeof scope !== 'string' || !isNumber(iat) || !isNumber(exp)) return undefined;
  if (!isString(jti) || jti.length > MAX_JTI_LENGTH) return undefined;
  if (!isOptional(auth_time, isNumber) || !isOptional(acr, isString) || !isOptional(amr, isStringList) || !isOptional(openbanking_intent_id, isString)) return undefined;
  if (authorization_details !== undefined && !Array.isArray(authorization_details)) return undefined;
  return payload as unknown as AccessTokenClaims;
}

/**
 * Verifies `token` as an access token this provider issued: a compact JWS with typ at+jwt, signed with
 * the provider's algorithm by a published key (named by kid), issued by this issuer, unexpired, not
 * revoked. The revocation list is read last, only for tokens that pass everything else.
 */
export async function verifyAccessToken(token: string, deps: AccessTokenDependencies, options: AccessTokenOptions = {}): Promise<AccessTokenVerification> {
  const invalid = (reason: string): AccessTokenVerification => ({ kind: 'invalid', reason });
  let jws: DecodedJws;
  try {
    jws = decodeJws(token, InvalidToken, 'the access token');
  } catch (error) {
    if (error instanceof OAuthError) return invalid(error.description);
    throw error;
  }
  const { typ, alg, kid, crit } = jws.header;
  if (typeof typ !== 'string' || !ACCESS_TOKEN_TYPES.includes(typ.toLowerCase())) return invalid('the token is not an access token (typ must be at+jwt)');
  // No extension this provider would have to understand is ever used in its own tokens (RFC 7515 §4.1.11).
  if (crit !== undefined) return invalid('the access token was not issued by this provider');
  if (alg !== deps.signer.alg || typeof kid !== 'string') return invalid('the access token was not issued by this provider');
  // Any key of the published JWK Set: one kept there during a rotation still verifies what it signed.
  const key = (await deps.signer.publishedKeys()).find((candidate) => candidate.kid === kid && candidate.alg === alg);
  if (!key) return invalid('the access token was not issued by this provider');
  if (!verifyJwsSignature(deps.signer.alg, createPublicKey({ key: key as never, format: 'jwk' }), jws)) return invalid('the access token signature is invalid');

  if (jws.payload.iss !== deps.config.issuer) return invalid('the access token was not issued by this provider');
  const claims = readClaims(jws.payload);
  if (!claims) return invalid('the access token is malformed');
  if (options.audiences !== undefined) {
    const audiences: readonly string[] = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
    if (!audiences.some((aud) => options.audiences?.includes(aud))) return invalid('the access token is not meant for this resource');
  }

  const now = Math.floor(deps.clock.now() / 1000);
  // The provider checks its own tokens against its own clock: no leeway past exp. A small one for iat
  // only, since the minting function may run on a host whose clock is a little ahead.
  if (now >= claims.exp) return { kind: 'inactive', reason: 'expired', claims };
  if (claims.iat > now + CLOCK_SKEW_SECONDS) return invalid('the access token was issued in the future');
  if (await deps.revocations.isRevoked(claims.jti)) return { kind: 'inactive', reason: 'revoked', claims };
  return { kind: 'active', claims };
}
