import { createPublicKey, type KeyObject } from 'node:crypto';
import type { PublishedJwk } from '../../core/ports.js';
import { ecThumbprint } from '../../core/jwt/jwk-thumbprint.js';

/** A P-256 public key as the JWKS publishes it; its kid is its RFC 7638 thumbprint. */
export function publishedJwkOf(key: KeyObject | { spkiDer: Uint8Array }): PublishedJwk {
  const publicKey = 'spkiDer' in key ? createPublicKey({ key: Buffer.from(key.spkiDer), format: 'der', type: 'spki' }) : createPublicKey(key);
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  if (kty !== 'EC' || crv !== 'P-256') throw new Error(`not a P-256 key: ${kty} ${crv}`);
  return { kty, crv, x, y, kid: ecThumbprint({ crv, x, y }), use: 'sig', alg: 'ES256' };
}
