/**
 * Refresh tokens at introspection (RFC 7662): the refresh-token repository (lambdas/core/token/refresh/,
 * `REFRESH#<sha256>` items) knows a token's own state; whether its grant is still active is read
 * separately, since revoking a grant (reuse detection, RFC 7009) changes the grant and not its tokens.
 */
import type { Clock, RefreshToken, RefreshTokenRepository } from '../ports.js';
import { hashSecret } from '../secrets/secrets.js';
import { judgeRefreshToken } from '../token/refresh/judge-refresh-token.js';

/** Whether a refresh grant (`GRANT#<grantId>`) is still active at `at` (epoch ms): not revoked, not past its end, not gone. */
export interface RefreshGrantStatus {
  isActive(grantId: string, at: number): Promise<boolean>;
}

export interface ActiveRefreshTokenDependencies {
  readonly clock: Clock;
  readonly refreshTokens: Pick<RefreshTokenRepository, 'find'>;
  readonly refreshGrants: RefreshGrantStatus;
}

/**
 * The refresh token `token` if it is `clientId`'s and usable now exactly as a refresh would judge it
 * (active, within its idle and absolute lifetimes) and its grant is active; undefined for anything else.
 */
export async function findActiveRefreshToken(token: string, clientId: string, deps: ActiveRefreshTokenDependencies): Promise<RefreshToken | undefined> {
  const record = await deps.refreshTokens.find(hashSecret(token));
  const now = deps.clock.now();
  if (record === undefined || judgeRefreshToken(record, clientId, now) !== 'usable') return undefined;
  return (await deps.refreshGrants.isActive(record.grantId, now)) ? record : undefined;
}
