/**
 * What the consumption device checks before it trusts the tokens, as any relying party must: both
 * tokens' signatures against the provider's published JWKS, and their claims.
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { Discovery } from './consumption-device.js';

/** CIBA Core §10.1.1: the ID token names the request it answers. */
export const AUTH_REQ_ID_CLAIM = 'urn:openid:params:jwt:claim:auth_req_id';

export interface VerifiedToken {
  readonly header: ProtectedHeaderParameters;
  readonly claims: JWTPayload;
}

export interface VerifiedTokens {
  readonly idToken: VerifiedToken;
  readonly accessToken: VerifiedToken;
  /** What was checked, for people to read. */
  readonly checks: { readonly idToken: readonly string[]; readonly accessToken: readonly string[] };
}

/** OIDC Core §3.1.3.6: the hash of the JWS algorithm, left half, base64url. */
function leftHalfHash(alg: string, token: string): string {
  const bits = /(\d{3})$/.exec(alg)?.[1];
  const algorithm = alg === 'EdDSA' || bits === '512' ? 'sha512' : bits === '384' ? 'sha384' : 'sha256';
  const digest = createHash(algorithm).update(token, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`token verification failed: ${message}`);
}

export async function verifyTokens(
  discovery: Discovery,
  clientId: string,
  authReqId: string,
  tokens: { readonly access_token: string; readonly id_token: string },
): Promise<VerifiedTokens> {
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const issuer = discovery.issuer;

  // OIDC Core §3.1.3.7: signature by the provider's key, iss, aud (this client), exp.
  const id = await jwtVerify(tokens.id_token, jwks, { issuer, audience: clientId }).catch((error: Error) => {
    throw new Error(`token verification failed: the ID token: ${error.message}`);
  });
  check(id.payload.at_hash === leftHalfHash(id.protectedHeader.alg, tokens.access_token), 'the ID token at_hash is not the hash of the access token it came with');
  check(id.payload[AUTH_REQ_ID_CLAIM] === authReqId, `the ID token ${AUTH_REQ_ID_CLAIM} is not this request's auth_req_id`);

  // RFC 9068 §4: typ at+jwt, signature, iss, aud (this provider is the audience of its own tokens here), exp; client_id.
  const access = await jwtVerify(tokens.access_token, jwks, { issuer, audience: issuer, typ: 'at+jwt' }).catch((error: Error) => {
    throw new Error(`token verification failed: the access token: ${error.message}`);
  });
  check(access.payload.client_id === clientId, 'the access token client_id is not this client');
  check(access.payload.sub === id.payload.sub, 'the access token and the ID token name different users');

  const signature = (header: ProtectedHeaderParameters): string => `signature (${header.alg}, kid ${header.kid ?? '-'}) against ${discovery.jwks_uri}`;
  return {
    idToken: { header: id.protectedHeader, claims: id.payload },
    accessToken: { header: access.protectedHeader, claims: access.payload },
    checks: {
      idToken: [signature(id.protectedHeader), 'iss', 'aud', 'exp', 'at_hash', 'auth_req_id'],
      accessToken: [signature(access.protectedHeader), 'typ at+jwt', 'iss', 'aud', 'exp', 'client_id', 'sub'],
    },
  };
}
