import type { Config } from '../../config.js';
import { signJwt } from '../jwt/sign-jwt.js';
import { tokenHash } from '../jwt/token-hash.js';
import type { AuthorizationDetail, AuthRequest } from '../model.js';
import type { Signer } from '../ports.js';
import { audienceOf } from '../resource-indicators/narrow-resources.js';
import { randomToken } from '../secrets/secrets.js';

/** CIBA Core §10.1.1 and §10.3.1: the ID token's claim naming the request it completes. */
export const AUTH_REQ_ID_CLAIM = 'urn:openid:params:jwt:claim:auth_req_id';

/** CIBA Core §10.1.1 and §10.3.1: the ID token's hash of the refresh token issued with it (as at_hash). */
export const RT_HASH_CLAIM = 'urn:openid:params:jwt:claim:rt_hash';

export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly id_token: string;
  readonly scope: string;
  /** RFC 6749 §6: with offline_access, to clients registered for the refresh_token grant (OIDC Core §11). */
  readonly refresh_token?: string;
  /** RFC 9396 §7: the details the user approved. */
  readonly authorization_details?: readonly AuthorizationDetail[];
}

/**
 * What tokens are issued for: the authentication an approved request records, which a refresh token
 * then carries on (OIDC Core §12.2).
 */
export interface TokenGrant {
  readonly clientId: string;
  readonly sub: string;
  /** The scope the access token carries. */
  readonly scope: string;
  /** When the user authenticated (epoch ms): auth_time, the same in every refreshed ID token. */
  readonly authTime: number;
  readonly acr?: string;
  readonly amr?: readonly string[];
  readonly authorizationDetails?: readonly AuthorizationDetail[];
  readonly openbankingIntentId?: string;
  /** RFC 8707: the resources the access token is for (its aud); unset, the configured default audience. */
  readonly resources?: readonly string[];
  /** The client's access token lifetime in seconds; unset, the configured one. */
  readonly accessTokenSeconds?: number;
}

/** What binds an ID token to the tokens issued with it, and what only a CIBA response's ID token has. */
export interface IdTokenBinding {
  readonly accessToken: string;
  /** The refresh token issued with it, if any: rt_hash. */
  readonly refreshToken?: string;
  /** The request the tokens complete; a refreshed ID token has none. */
  readonly authReqId?: string;
  /** What an external authentication service added about the user when it authenticated them. */
  readonly externalClaims?: Readonly<Record<string, unknown>>;
}

type TokenSettings = Pick<Config, 'issuer' | 'tokens'>;

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** How long the grant's access tokens live: the client's access_token_lifetime, else the configured one. */
export function accessTokenLifetime(grant: Pick<TokenGrant, 'accessTokenSeconds'>, settings: Pick<Config, 'tokens'>): number {
  return grant.accessTokenSeconds ?? settings.tokens.accessTokenSeconds;
}

/** The grant an approved request makes: the user authenticated when they approved. */
export function grantOf(request: AuthRequest, now: number): TokenGrant {
  return {
    clientId: request.clientId,
    sub: request.sub,
    scope: request.scope,
    authTime: request.decidedAt ?? now,
    ...(request.acr !== undefined ? { acr: request.acr } : {}),
    ...(request.amr !== undefined ? { amr: request.amr } : {}),
    ...(request.authorizationDetails !== undefined ? { authorizationDetails: request.authorizationDetails } : {}),
    ...(request.openbankingIntentId !== undefined ? { openbankingIntentId: request.openbankingIntentId } : {}),
    ...(request.resources !== undefined ? { resources: request.resources } : {}),
    ...(request.accessTokenLifetime !== undefined ? { accessTokenSeconds: request.accessTokenLifetime } : {}),
  };
}

function authenticationClaims(grant: TokenGrant): Record<string, unknown> {
  return {
    auth_time: seconds(grant.authTime),
    ...(grant.acr !== undefined ? { acr: grant.acr } : {}),
    ...(grant.amr !== undefined ? { amr: grant.amr } : {}),
  };
}

/**
 * The access token: a JWT (RFC 9068), so that resource servers can verify it against the JWKS. Its aud
 * names the resources the client asked for (RFC 8707 §2, RFC 9068 §3), else the configured default:
 * a resource server that checks aud (RFC 9068 §4) then refuses a token obtained for another.
 */
export function signAccessToken(grant: TokenGrant, settings: TokenSettings, signer: Signer, iat: number): Promise<string> {
  return signJwt(
    signer,
    { typ: 'at+jwt' },
    {
      iss: settings.issuer,
      sub: grant.sub,
      aud: audienceOf(grant.resources ?? settings.tokens.accessTokenAudience),
      client_id: grant.clientId,
      scope: grant.scope,
      jti: randomToken(16),
      iat,
      exp: iat + accessTokenLifetime(grant, settings),
      ...authenticationClaims(grant),
      ...(grant.authorizationDetails !== undefined ? { authorization_details: grant.authorizationDetails } : {}),
      ...(grant.openbankingIntentId !== undefined ? { openbanking_intent_id: grant.openbankingIntentId } : {}),
    },
  );
}

/** The ID token (OIDC Core §2), with at_hash, and rt_hash and the auth_req_id claim when they apply. */
export function signIdToken(grant: TokenGrant, settings: TokenSettings, signer: Signer, iat: number, binding: IdTokenBinding): Promise<string> {
  return signJwt(
    signer,
    { typ: 'JWT' },
    {
      // What an external authentication service added about the user (never a registered claim: the
      // callback refuses those, and the provider's own claims below come last anyway).
      ...binding.externalClaims,
      ...(grant.openbankingIntentId !== undefined ? { openbanking_intent_id: grant.openbankingIntentId } : {}),
      iss: settings.issuer,
      sub: grant.sub,
      aud: grant.clientId,
      iat,
      exp: iat + settings.tokens.idTokenSeconds,
      ...authenticationClaims(grant),
      at_hash: tokenHash(binding.accessToken),
      ...(binding.refreshToken !== undefined ? { [RT_HASH_CLAIM]: tokenHash(binding.refreshToken) } : {}),
      ...(binding.authReqId !== undefined ? { [AUTH_REQ_ID_CLAIM]: binding.authReqId } : {}),
    },
  );
}

/**
 * The successful token response for an approved request (CIBA Core §10.1.1, RFC 6749 §5.1). The ID
 * token carries at_hash and the auth_req_id claim, and rt_hash when a refresh token comes with it
 * (stored beforehand by the caller: see refresh/start-refresh-grant.ts). The caller passes the request
 * with its `resources` narrowed when the token request named some (RFC 8707 §2.2).
 */
export async function mintTokenResponse(request: AuthRequest, settings: TokenSettings, signer: Signer, now: number, refreshToken?: string): Promise<TokenResponse> {
  const iat = seconds(now);
  const grant = grantOf(request, now);
  const accessToken = await signAccessToken(grant, settings, signer, iat);
  const idToken = await signIdToken(grant, settings, signer, iat, {
    accessToken,
    ...(refreshToken !== undefined ? { refreshToken } : {}),
    authReqId: request.authReqId,
    ...(request.externalClaims !== undefined ? { externalClaims: request.externalClaims } : {}),
  });
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: accessTokenLifetime(grant, settings),
    id_token: idToken,
    ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {}),
    scope: request.scope,
    ...(request.authorizationDetails !== undefined ? { authorization_details: request.authorizationDetails } : {}),
  };
}
