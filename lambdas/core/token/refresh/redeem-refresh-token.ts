/**
 * The refresh_token grant at the token endpoint (RFC 6749 §6, OIDC Core §12).
 *
 * Every refresh rotates the token: the one presented becomes `used`, a new one of the same grant comes
 * back with the new access token. A used token presented again is a replay, by an attacker or by the
 * client it was stolen from, and the provider cannot tell which: the whole grant is revoked (reuse
 * detection, RFC 9700 §4.14.2), so that whoever holds its newest token cannot use it either.
 */
import { InvalidGrant, InvalidRequest, UnauthorizedClient } from '../../errors.js';
import type { FormParameters } from '../../http/form.js';
import type { Client } from '../../model.js';
import type { Dependencies, RefreshToken } from '../../ports.js';
import { narrowResources } from '../../resource-indicators/narrow-resources.js';
import { splitScope } from '../../scopes.js';
import { hashSecret } from '../../secrets/secrets.js';
import { accessTokenLifetime, signAccessToken, signIdToken, type TokenGrant, type TokenResponse } from '../mint-token-response.js';
import { judgeRefreshToken, narrowScope } from './judge-refresh-token.js';
import { mayRefresh } from './refresh-policy.js';
import { successorOf } from './start-refresh-grant.js';

type RefreshDependencies = Pick<Dependencies, 'config' | 'clock' | 'refreshTokens' | 'signer'>;

/**
 * RFC 6749 §5.1 with the new refresh token. OIDC Core §12.2: the ID token may come too; it does when the
 * refreshed scope has openid.
 */
export type RefreshTokenResponse = Omit<TokenResponse, 'id_token' | 'refresh_token'> & {
  readonly id_token?: string;
  readonly refresh_token: string;
};

/** Refresh tokens are 43 base64url characters; anything far from that names no token. */
const MAX_REFRESH_TOKEN_LENGTH = 128;

// Stay indistinguishable: unknown tokens and other clients' tokens get the same answer.
const UNKNOWN = 'unknown refresh token';
const REUSED = 'the refresh token was used before: every refresh token of its grant is now revoked';
const DEAD = 'the refresh token has expired or been revoked';

export async function redeemRefreshToken(form: FormParameters, client: Client, deps: RefreshDependencies): Promise<RefreshTokenResponse> {
  if (!mayRefresh(client)) throw new UnauthorizedClient('the client is not registered for the refresh_token grant type');
  const presented = form.get('refresh_token');
  if (presented === undefined || presented === '') throw new InvalidRequest('refresh_token is required');
  if (presented.length > MAX_REFRESH_TOKEN_LENGTH) throw new InvalidGrant(UNKNOWN);

  const now = deps.clock.now();
  const token = await deps.refreshTokens.find(hashSecret(presented));
  const verdict = judgeRefreshToken(token, client.clientId, now);
  if (token === undefined || verdict === 'unknown') throw new InvalidGrant(UNKNOWN);
  if (verdict === 'reused') {
    await deps.refreshTokens.revokeGrant(token.grantId, now);
    throw new InvalidGrant(REUSED);
  }
  if (verdict === 'dead') throw new InvalidGrant(DEAD);

  // Checked before the token is spent: a refused scope leaves the token as it was.
  const scope = narrowScope(form.get('scope'), token.scope);
  // RFC 8707 §2.2: this access token may be for fewer of the grant's resources; the grant keeps them all.
  const resources = narrowResources(form.getAll('resource'), token.resources, deps.config.tokens.accessTokenAudience);
  const next = successorOf(token, deps.config, now);
  // Signed before the rotation: once the presented token is spent, nothing may keep its successor from the client.
  const tokens = await mintRefreshResponse({ ...token, scope, ...(resources !== undefined ? { resources } : {}) }, next.value, client, deps, now);

  const rotation = await deps.refreshTokens.rotate(token, next.record, now);
  if (rotation.kind === 'notActive') {
    // Another request spent the token between our read and our write: a concurrent reuse.
    await deps.refreshTokens.revokeGrant(token.grantId, now);
    throw new InvalidGrant(REUSED);
  }
  if (rotation.kind === 'grantRevoked') throw new InvalidGrant(DEAD);
  return tokens;
}

/**
 * The tokens of one refresh: `token` carries the grant's authentication, with the refreshed scope and
 * resources. The access token lives as long as the client's registration says now (it may have
 * changed since the grant began: a shortened lifetime applies to the next refresh).
 */
async function mintRefreshResponse(token: RefreshToken, refreshToken: string, client: Client, deps: Pick<RefreshDependencies, 'config' | 'signer'>, now: number): Promise<RefreshTokenResponse> {
  const iat = Math.floor(now / 1000);
  const grant: TokenGrant = {
    clientId: token.clientId,
    sub: token.sub,
    scope: token.scope,
    authTime: token.authTime,
    ...(token.acr !== undefined ? { acr: token.acr } : {}),
    ...(token.amr !== undefined ? { amr: token.amr } : {}),
    ...(token.authorizationDetails !== undefined ? { authorizationDetails: token.authorizationDetails } : {}),
    ...(token.openbankingIntentId !== undefined ? { openbankingIntentId: token.openbankingIntentId } : {}),
    ...(token.resources !== undefined ? { resources: token.resources } : {}),
    ...(client.metadata.access_token_lifetime !== undefined ? { accessTokenSeconds: client.metadata.access_token_lifetime } : {}),
  };
  const accessToken = await signAccessToken(grant, deps.config, deps.signer, iat);
  // OIDC Core §12.2: the original auth_time and acr, no auth_req_id (no request completes here), rt_hash.
  const idToken = splitScope(token.scope).includes('openid') ? await signIdToken(grant, deps.config, deps.signer, iat, { accessToken, refreshToken }) : undefined;
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: accessTokenLifetime(grant, deps.config),
    ...(idToken !== undefined ? { id_token: idToken } : {}),
    refresh_token: refreshToken,
    scope: token.scope,
    ...(token.authorizationDetails !== undefined ? { authorization_details: token.authorizationDetails } : {}),
  };
}
