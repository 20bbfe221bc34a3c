/**
 * The UserInfo endpoint (OIDC Core §5.3): the claims about the user that the access token's scopes
 * release (§5.4), read from the user directory at the time of the request.
 */
import { endpointPaths } from '../../routes.js';
import { verifyAccessToken } from '../access-token/verify-access-token.js';
import { InsufficientScope, invalidBearerToken } from '../errors.js';
import { json, NO_STORE, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { User } from '../model.js';
import type { Dependencies } from '../ports.js';
import { CLAIMS_BY_SCOPE, splitScope } from '../scopes.js';
import { readBearerToken } from './read-bearer-token.js';

export type UserinfoDependencies = Pick<Dependencies, 'config' | 'clock' | 'signer' | 'users' | 'revocations'>;

/**
 * The user's claims that `scopes` release, `sub` aside (it comes from the token). OIDC Core §5.3.2: a
 * claim without a value is left out, never sent as null or an empty string.
 */
export function releasedClaims(user: User, scopes: readonly string[]): Record<string, unknown> {
  const released: Record<string, unknown> = {};
  for (const scope of scopes) {
    if (!Object.hasOwn(CLAIMS_BY_SCOPE, scope)) continue;
    for (const name of CLAIMS_BY_SCOPE[scope as keyof typeof CLAIMS_BY_SCOPE]) {
      if (name === 'sub' || !Object.hasOwn(user.claims, name)) continue;
      const value = user.claims[name];
      if (value !== undefined && value !== null && value !== '') released[name] = value;
    }
  }
  return released;
}

export async function userinfo(request: HttpRequest, deps: UserinfoDependencies): Promise<HttpResponse> {
  const token = readBearerToken(request);
  // RFC 6750 §3.1: a request with no authentication at all gets the challenge alone, with no error code.
  if (token === undefined) return { status: 401, headers: { 'WWW-Authenticate': 'Bearer', ...NO_STORE }, body: '' };

  // Userinfo is the OP's own resource (OIDC Core §5.3): it serves a token whose aud names the issuer or
  // the userinfo endpoint, the default audience. A token the client obtained for another resource
  // server (RFC 8707 resource, or a configured default audience without the issuer) is refused: the
  // user approved access to that resource, and a token leaked from it must not unlock the user's
  // claims here (RFC 9068 §4: a resource server checks that aud names it). A client that wants both
  // asks for both resources, e.g. resource=<api>&resource=<issuer>.
  const audiences = [deps.config.issuer, `${deps.config.issuer}${endpointPaths.userinfo}`];
  const verification = await verifyAccessToken(token, deps, { audiences });
  if (verification.kind === 'invalid') throw invalidBearerToken(verification.reason);
  if (verification.kind === 'inactive') throw invalidBearerToken(verification.reason === 'expired' ? 'the access token has expired' : 'the access token has been revoked');
  const { claims } = verification;

  const scopes = splitScope(claims.scope);
  // OIDC Core §5.3: userinfo is for tokens of an OpenID Connect request. RFC 6750 §3.1: 403 and the scope needed.
  if (!scopes.includes('openid')) {
    throw new InsufficientScope('the access token was not granted the openid scope', { headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="openid"' } });
  }
  const user = await deps.users.findBySub(claims.sub);
  // The token outlived its user: it no longer stands for anyone.
  if (!user) throw invalidBearerToken('the user this access token was issued for no longer exists');
  return json(200, { ...releasedClaims(user, scopes), sub: claims.sub });
}
