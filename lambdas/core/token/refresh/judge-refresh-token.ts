/**
 * What a presented refresh token gets (RFC 6749 §6, §10.4; OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
 */
import { InvalidScope } from '../../errors.js';
import type { RefreshToken } from '../../ports.js';
import { splitScope } from '../../scopes.js';

export type RefreshVerdict =
  /** Unknown here: no such token, or another client's (the two must look the same). */
  | 'unknown'
  /** Used before: every refresh rotates the token, so this is a replay (reuse detection). */
  | 'reused'
  /** Revoked, or past its idle or absolute lifetime. */
  | 'dead'
  | 'usable';

/** Judges a token found by its hash (or not found) for the client presenting it, at `now`. */
export function judgeRefreshToken(token: RefreshToken | undefined, clientId: string, now: number): RefreshVerdict {
  // Another client's token is not evidence of anything about its grant: it is simply unknown here.
  if (!token || token.clientId !== clientId) return 'unknown';
  if (token.status === 'used') return 'reused';
  if (token.status !== 'active') return 'dead';
  // The code checks expiry itself: DynamoDB's TTL deletes items late, sometimes days late.
  if (now >= token.absoluteExpiresAt || now >= token.idleExpiresAt) return 'dead';
  return 'usable';
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3 scope-token

/**
 * RFC 6749 §6: the scope of the refreshed access token. Omitted, it is the grant's; present, it must
 * name only values the grant has (duplicates are ignored), or the request is invalid_scope.
 */
export function narrowScope(requested: string | undefined, granted: string): string {
  if (requested === undefined) return granted;
  const values = requested.split(' ');
  if (values.some((value) => !SCOPE_TOKEN.test(value))) throw new InvalidScope('scope is not a space-delimited list of scope tokens');
  const grantedValues = new Set(splitScope(granted));
  const beyond = values.find((value) => !grantedValues.has(value));
  if (beyond !== undefined) throw new InvalidScope(`scope ${beyond.slice(0, 64)} was not granted: a refresh may narrow the scope, never widen it`);
  return [...new Set(values)].join(' ');
}
