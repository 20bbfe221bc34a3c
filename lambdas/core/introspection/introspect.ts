/**
 * The introspection endpoint (RFC 7662): a client asks whether a token is active and what it carries.
 *
 * Who may introspect what (RFC 7662 §2.1, §4): any registered client may call, authenticated as at
 * the token endpoint, but a client learns only about tokens issued to itself (the token's client_id is
 * the caller). Any other token, like an expired, revoked, unknown or malformed one, is
 * `{"active": false}` and nothing else (§2.2), so the endpoint tells a client nothing it did not know:
 * it cannot be used to probe other clients' tokens or to read their contents. A resource server that
 * is not the token's client verifies the JWT against the JWKS instead.
 *
 * token_type_hint is accepted, any value, and not needed: a token that verifies as this provider's JWT
 * access token is one (checked locally, without a database read); anything else is looked up as a
 * refresh token, active when the refresh would accept it and its grant is not revoked.
 */
import { verifyAccessToken, type AccessTokenClaims } from '../access-token/verify-access-token.js';
import { authenticateClient } from '../client-authentication/authenticate-client.js';
import { InvalidRequest } from '../errors.js';
import { readForm } from '../http/form.js';
import { json, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { Client } from '../model.js';
import type { Dependencies, RefreshToken } from '../ports.js';
import { findActiveRefreshToken, type RefreshGrantStatus } from './active-refresh-token.js';

export type IntrospectionDependencies = Pick<Dependencies, 'config' | 'clock' | 'clients' | 'signer' | 'jwks' | 'replay' | 'revocations' | 'refreshTokens'> & {
  readonly refreshGrants: RefreshGrantStatus;
};

/** RFC 7662 §2.2: the answer for every token that is not active for this client, with no other member. */
const INACTIVE = { active: false } as const;

/** RFC 7662 §2.2, with the token's authentication and authorization details (RFC 9470 §6.2, RFC 9396 §9.2). */
function describeAccessToken(claims: AccessTokenClaims): Record<string, unknown> {
  return {
    active: true,
    scope: claims.scope,
    client_id: claims.client_id,
    token_type: 'Bearer',
    sub: claims.sub,
    iss: claims.iss,
    aud: claims.aud,
    jti: claims.jti,
    iat: claims.iat,
    exp: claims.exp,
    ...(claims.auth_time !== undefined ? { auth_time: claims.auth_time } : {}),
    ...(claims.acr !== undefined ? { acr: claims.acr } : {}),
    ...(claims.amr !== undefined ? { amr: claims.amr } : {}),
    ...(claims.authorization_details !== undefined ? { authorization_details: claims.authorization_details } : {}),
    ...(claims.openbanking_intent_id !== undefined ? { openbanking_intent_id: claims.openbanking_intent_id } : {}),
  };
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * A refresh token has no token_type (RFC 7662 §2.2 names access token types, RFC 6749 §7.1) and no jti
 * or aud. Its exp is when it dies unused: the idle expiry, never later than the grant's end.
 */
function describeRefreshToken(refresh: RefreshToken, issuer: string): Record<string, unknown> {
  return {
    active: true,
    scope: refresh.scope,
    client_id: refresh.clientId,
    sub: refresh.sub,
    iss: issuer,
    iat: seconds(refresh.issuedAt),
    exp: seconds(Math.min(refresh.idleExpiresAt, refresh.absoluteExpiresAt)),
    auth_time: seconds(refresh.authTime),
    ...(refresh.acr !== undefined ? { acr: refresh.acr } : {}),
    ...(refresh.amr !== undefined ? { amr: refresh.amr } : {}),
    ...(refresh.authorizationDetails !== undefined ? { authorization_details: refresh.authorizationDetails } : {}),
    ...(refresh.openbankingIntentId !== undefined ? { openbanking_intent_id: refresh.openbankingIntentId } : {}),
  };
}

async function describeToken(token: string, client: Client, deps: IntrospectionDependencies): Promise<Record<string, unknown>> {
  const access = await verifyAccessToken(token, deps);
  if (access.kind === 'active') return access.claims.client_id === client.clientId ? describeAccessToken(access.claims) : INACTIVE;
  // The provider's own access token, expired or revoked: no need to look further.
  if (access.kind === 'inactive') return INACTIVE;
  const refresh = await findActiveRefreshToken(token, client.clientId, deps);
  return refresh !== undefined ? describeRefreshToken(refresh, deps.config.issuer) : INACTIVE;
}

export async function introspect(request: HttpRequest, deps: IntrospectionDependencies): Promise<HttpResponse> {
  const form = readForm(request);
  const client = await authenticateClient(request, form, deps);
  const token = form.get('token');
  // RFC 7662 §2.3: a request without a token is malformed.
  if (token === undefined) throw new InvalidRequest('token is required');
  return json(200, await describeToken(token, client, deps));
}
