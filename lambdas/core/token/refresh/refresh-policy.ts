/**
 * Who gets refresh tokens, and for how long (RFC 6749 §1.5, §6; OIDC Core §11).
 */
import type { Config } from '../../../config.js';
import type { Client } from '../../model.js';
import { OFFLINE_ACCESS, splitScope } from '../../scopes.js';

/** RFC 6749 §6: the grant type of a refresh request, and the grant type a client registers for it. */
export const REFRESH_TOKEN_GRANT_TYPE = 'refresh_token';

/** Whether the client is registered for the refresh_token grant (RFC 7591 §2 grant_types). */
export function mayRefresh(client: Client): boolean {
  return client.metadata.grant_types.includes(REFRESH_TOKEN_GRANT_TYPE);
}

/**
 * OIDC Core §11: whether the backchannel request of this client is granted offline_access when it asks.
 * Only a client that can use a refresh token is; and a client that registered a `scope` must have
 * listed offline_access in it. Everyone else's offline_access is ignored, as before refresh tokens.
 */
export function grantsOfflineAccess(client: Client): boolean {
  return mayRefresh(client) && (client.metadata.scope === undefined || splitScope(client.metadata.scope).includes(OFFLINE_ACCESS));
}

/**
 * Whether tokens issued for `scope` (what was granted) come with a refresh token. The client must
 * (still) be registered for the refresh_token grant, and the grant include offline_access, which
 * check-scope.ts keeps for such clients only.
 */
export function issuesRefreshToken(client: Client, scope: string): boolean {
  return mayRefresh(client) && grantedOfflineAccess(scope);
}

/**
 * Whether a granted scope includes offline_access. Push delivery has the stored request, not the
 * client: offline_access in the granted scope means the client was registered for refresh tokens when it
 * asked (check-scope.ts drops it for every other client, and an external service may only narrow).
 */
export function grantedOfflineAccess(scope: string): boolean {
  return splitScope(scope).includes(OFFLINE_ACCESS);
}

export type RefreshLifetimes = Config['refreshTokens'];

/**
 * A new refresh token is usable until the grant's absolute end or until it has lain unused for the idle
 * lifetime, whichever comes first (epoch ms).
 */
export function idleExpiry(now: number, absoluteExpiresAt: number, lifetimes: Pick<RefreshLifetimes, 'idleSeconds'>): number {
  return Math.min(now + lifetimes.idleSeconds * 1000, absoluteExpiresAt);
}
