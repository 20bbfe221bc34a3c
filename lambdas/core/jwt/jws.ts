/**
 * Reading and verifying compact JWS (RFC 7515) signed by clients: request objects, client assertions,
 * login_hint_tokens. node:crypto verifies synchronously and cheaply; this module is what stands between
 * a client's bytes and a trusted claim, so every step is explicit.
 */
import { verify, type KeyObject } from 'node:crypto';
import type { OAuthErrorClass } from '../errors.js';

/** Asymmetric algorithms this provider verifies (RFC 7518 §3, RFC 8037). */
export type JwsAlgorithm = 'ES256' | 'PS256' | 'RS256' | 'EdDSA';
export const JWS_ALGORITHMS: readonly JwsAlgorithm[] = ['ES256', 'PS256', 'RS256', 'EdDSA'];

/** Longest JWT accepted; certificate chains in headers fit comfortably. */
const MAX_JWS_LENGTH = 16 * 1024;

export interface DecodedJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly signingInput: string;
  readonly signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeJsonObject(part: string, error: OAuthErrorClass, what: string): Record<string, unknown> {
  if (!BASE64URL.test(part)) throw new error(`${what} is not a compact JWS`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new error(`${what} is not a compact JWS: a part is not base64url-encoded JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new error(`${what} is not a JWT: a part is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Splits and parses a compact JWS without trusting it. */
export function decodeJws(token: string, error: OAuthErrorClass, what: string): DecodedJws {
  if (token.length > MAX_JWS_LENGTH) throw new error(`${what} is too long`);
  const parts = token.split('.');
  if (parts.length !== 3) throw new error(`${what} is not a compact JWS (encrypted JWTs are not accepted)`);
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  if (!BASE64URL.test(signaturePart)) throw new error(`${what} is not a compact JWS`);
  return {
    header: decodeJsonObject(headerPart, error, what),
    payload: decodeJsonObject(payloadPart, error, what),
    signingInput: `${headerPart}.${payloadPart}`,
    signature: Buffer.from(signaturePart, 'base64url'),
  };
}

/** Verifies the signature of a decoded JWS with one algorithm and key. */
export function verifyJwsSignature(alg: JwsAlgorithm, key: KeyObject, jws: DecodedJws): boolean {
  const data = Buffer.from(jws.signingInput, 'ascii');
  try {
    switch (alg) {
      case 'ES256':
        return key.asymmetricKeyType === 'ec' && verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, jws.signature);
      case 'RS256':
        return key.asymmetricKeyType === 'rsa' && verify('sha256', data, key, jws.signature);
      case 'PS256':
        // RFC 7518 §3.5: MGF1 with SHA-256 and a salt as long as the hash.
        return key.asymmetricKeyType === 'rsa' && verify('sha256', data, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }, jws.signature);
      case 'EdDSA':
        return (key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448') && verify(null, data, key, jws.signature);
    }
  } catch {
    return false;
  }
}

/** The key type an algorithm needs (RFC 7518 §6.1). */
export function keyTypeFor(alg: JwsAlgorithm): string {
  return alg === 'ES256' ? 'EC' : alg === 'EdDSA' ? 'OKP' : 'RSA';
}
