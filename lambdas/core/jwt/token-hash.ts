import { createHash } from 'node:crypto';

/**
 * OIDC Core §3.3.2.11 at_hash (and CIBA Core §10.1.1 urn:openid:params:jwt:claim:rt_hash): the
 * left-most half of the hash of the token's ASCII octets, base64url. ES256, PS256 and RS256 all hash
 * with SHA-256.
 */
export function tokenHash(token: string): string {
  const digest = createHash('sha256').update(token, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
