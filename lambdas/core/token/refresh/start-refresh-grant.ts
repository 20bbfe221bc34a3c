/**
 * Making refresh tokens (RFC 6749 §6): the first one of a grant, when an approved request is redeemed
 * with offline_access, and each successor a refresh hands out in exchange for the one presented.
 *
 * A refresh token is 256 random bits, base64url; only its SHA-256 is stored. It is a bearer secret
 * nobody can guess, so one fast hash per lookup is all the protection the stored form needs.
 */
import type { Config } from '../../../config.js';
import type { AuthRequest } from '../../model.js';
import type { RefreshToken, RefreshTokenRepository } from '../../ports.js';
import { hashSecret, randomToken } from '../../secrets/secrets.js';
import { grantOf } from '../mint-token-response.js';
import { idleExpiry } from './refresh-policy.js';

export interface RefreshGrantDependencies {
  readonly config: Pick<Config, 'refreshTokens'>;
  readonly refreshTokens: RefreshTokenRepository;
}

/** A refresh token as handed out, and as stored. */
export interface IssuedRefreshToken {
  readonly value: string;
  readonly record: RefreshToken;
}

/**
 * Begins a grant for an approved request and stores its first refresh token; returns the token, for
 * the token response. The grant ends `absoluteSeconds` after now, whatever refreshes come.
 */
export async function startRefreshGrant(request: AuthRequest, deps: RefreshGrantDependencies, now: number): Promise<string> {
  const grant = grantOf(request, now);
  const grantId = randomToken(16);
  const absoluteExpiresAt = now + deps.config.refreshTokens.absoluteSeconds * 1000;
  const value = randomToken(32);
  const first: RefreshToken = {
    tokenHash: hashSecret(value),
    grantId,
    clientId: grant.clientId,
    sub: grant.sub,
    scope: grant.scope,
    authTime: grant.authTime,
    ...(grant.acr !== undefined ? { acr: grant.acr } : {}),
    ...(grant.amr !== undefined ? { amr: grant.amr } : {}),
    ...(grant.authorizationDetails !== undefined ? { authorizationDetails: grant.authorizationDetails } : {}),
    ...(grant.openbankingIntentId !== undefined ? { openbankingIntentId: grant.openbankingIntentId } : {}),
    // RFC 8707 §2.2: every refresh may ask for these, or fewer, whatever the first access token had.
    ...(grant.resources !== undefined ? { resources: grant.resources } : {}),
    issuedAt: now,
    absoluteExpiresAt,
    idleExpiresAt: idleExpiry(now, absoluteExpiresAt, deps.config.refreshTokens),
    status: 'active',
  };
  await deps.refreshTokens.createGrant({ grantId, clientId: grant.clientId, sub: grant.sub, status: 'active', absoluteExpiresAt }, first);
  return value;
}

/**
 * The token that replaces `presented`: the same grant, scope and authentication, the grant's absolute
 * end, and a fresh idle lifetime. Not stored here: the rotation stores it with the old one's use.
 */
export function successorOf(presented: RefreshToken, config: Pick<Config, 'refreshTokens'>, now: number): IssuedRefreshToken {
  const value = randomToken(32);
  const { tokenHash: _tokenHash, ...carried } = presented;
  return {
    value,
    record: {
      ...carried,
      tokenHash: hashSecret(value),
      issuedAt: now,
      idleExpiresAt: idleExpiry(now, presented.absoluteExpiresAt, config.refreshTokens),
      status: 'active',
    },
  };
}
