import { createHash } from 'node:crypto';

/** RFC 7638 JWK thumbprint of a P-256 public key: the key id, stable for the key's whole life. */
export function ecThumbprint(jwk: { crv?: string; x?: string; y?: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: 'EC', x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}
