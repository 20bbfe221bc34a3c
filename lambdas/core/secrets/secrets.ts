/**
 * Random identifiers and secrets, and how secrets are kept.
 *
 * Every secret this provider hands out (client secrets, initial access tokens, auth_req_ids, enrollment
 * codes) is at least 256 random bits, so a fast hash is enough to store it: there is nothing to
 * brute-force. A slow password hash would add milliseconds of CPU to every request for no gain.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `bytes` random bytes, base64url without padding (the charset of CIBA Core §7.3's auth_req_id). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256, base64url: how secrets are stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(presented: string, storedHash: string): boolean {
  const presentedHash = Buffer.from(hashSecret(presented));
  const stored = Buffer.from(storedHash);
  // Both are SHA-256 digests in base64url, so lengths only differ for a corrupt record.
  return presentedHash.length === stored.length && timingSafeEqual(presentedHash, stored);
}
