/**
 * The revocation endpoint (RFC 7009): a client ends one of its tokens before it expires.
 *
 * A client revokes only tokens issued to itself. Every other token (another client's, an unknown,
 * expired or already revoked one) gets the same 200 with an empty body (RFC 7009 §2.2), never an
 * error: a different answer for "valid, but not yours" would let a client test stolen tokens. RFC
 * 7009 §2.1 lets the server refuse another client's token; refusing it silently is that refusal.
 *
 * An access token is revoked by putting its jti on the revocation list until its exp; userinfo and
 * introspection consult the list. A resource server verifying the JWT locally does not see it; the
 * access token's short life bounds that. A refresh token revokes its whole grant (RFC 7009 §2.1), so
 * that no refresh token of the grant, earlier or later, is usable; the access tokens already issued
 * from it live out their short lives (they do not name their grant).
 */
import { verifyAccessToken } from '../access-token/verify-access-token.js';
import { authenticateClient } from '../client-authentication/authenticate-client.js';
import { InvalidRequest, UnsupportedTokenType } from '../errors.js';
import { safeName, readForm } from '../http/form.js';
import { NO_STORE, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { Dependencies } from '../ports.js';
import { hashSecret } from '../secrets/secrets.js';

export type RevocationDependencies = Pick<Dependencies, 'config' | 'clock' | 'clients' | 'signer' | 'jwks' | 'replay' | 'revocations' | 'refreshTokens'>;

/** RFC 7009 §2.1 and §4.1.2: the token types this provider issues and revokes. */
export const TOKEN_TYPE_HINTS: readonly string[] = ['access_token', 'refresh_token'];

/** RFC 7009 §2.2: 200, and the body is ignored; an empty one. */
const REVOKED: HttpResponse = { status: 200, headers: { ...NO_STORE }, body: '' };

export async function revoke(request: HttpRequest, deps: RevocationDependencies): Promise<HttpResponse> {
  const form = readForm(request);
  const client = await authenticateClient(request, form, deps);
  const token = form.get('token');
  if (token === undefined) throw new InvalidRequest('token is required');
  const hint = form.get('token_type_hint');
  // RFC 7009 §2.2.1: a token type the server does not revoke. A known hint is only a hint: both types
  // are looked for whatever it says (§2.1), so a wrong one costs nothing.
  if (hint !== undefined && !TOKEN_TYPE_HINTS.includes(hint)) {
    throw new UnsupportedTokenType(`token_type_hint ${safeName(hint)} is not a token type this provider revokes: use access_token or refresh_token`);
  }

  const now = deps.clock.now();
  const access = await verifyAccessToken(token, deps);
  if (access.kind === 'active') {
    const { claims } = access;
    if (claims.client_id === client.clientId) {
      await deps.revocations.revoke({ jti: claims.jti, clientId: client.clientId, expiresAt: claims.exp * 1000, revokedAt: now });
    }
  } else if (access.kind === 'invalid') {
    // Not one of the provider's access tokens (expired and revoked ones need nothing more): a refresh token?
    // Any of the client's, even one used or expired: its grant may have live tokens still.
    const refresh = await deps.refreshTokens.find(hashSecret(token));
    if (refresh !== undefined && refresh.clientId === client.clientId) await deps.refreshTokens.revokeGrant(refresh.grantId, now);
  }
  return REVOKED;
}
