import type { Config } from '../../config.js';
import { signJwt } from '../jwt/sign-jwt.js';
import { tokenHash } from '../jwt/token-hash.js';
import type { AuthorizationDetail, AuthRequest } from '../model.js';
import type { Signer } from '../ports.js';
import { randomToken } from '../secrets/secrets.js';

/** CIBA Core §10.1.1 and §10.3.1: the ID token's claim naming the request it completes. */
export const AUTH_REQ_ID_CLAIM = 'urn:openid:params:jwt:claim:auth_req_id';

export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly id_token: string;
  readonly scope: string;
  /** RFC 9396 §7: the details the user approved. */
  readonly authorization_details?: readonly AuthorizationDetail[];
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * The successful token response for an approved request (CIBA Core §10.1.1, RFC 6749 §5.1).
 * The access token is a JWT (RFC 9068) so that resource servers can verify it against the JWKS;
 * the ID token carries at_hash and the auth_req_id claim.
 */
export async function mintTokenResponse(request: AuthRequest, settings: Pick<Config, 'issuer' | 'tokens'>, signer: Signer, now: number): Promise<TokenResponse> {
  const iat = seconds(now);
  const authTime = seconds(request.decidedAt ?? now);
  const authentication = {
    auth_time: authTime,
    ...(request.acr !== undefined ? { acr: request.acr } : {}),
    ...(request.amr !== undefined ? { amr: request.amr } : {}),
  };
  const accessToken = await signJwt(
    signer,
    { typ: 'at+jwt' },
    {
      iss: settings.issuer,
      sub: request.sub,
      aud: settings.issuer,
      client_id: request.clientId,
      scope: request.scope,
      jti: randomToken(16),
      iat,
      exp: iat + settings.tokens.accessTokenSeconds,
      ...authentication,
      ...(request.authorizationDetails !== undefined ? { authorization_details: request.authorizationDetails } : {}),
      ...(request.openbankingIntentId !== undefined ? { openbanking_intent_id: request.openbankingIntentId } : {}),
    },
  );
  const idToken = await signJwt(
    signer,
    { typ: 'JWT' },
    {
      // What an external authentication service added about the user (never a registered claim: the
      // callback refuses those, and the provider's own claims below come last anyway).
      ...request.externalClaims,
      ...(request.openbankingIntentId !== undefined ? { openbanking_intent_id: request.openbankingIntentId } : {}),
      iss: settings.issuer,
      sub: request.sub,
      aud: request.clientId,
      iat,
      exp: iat + settings.tokens.idTokenSeconds,
      ...authentication,
      at_hash: tokenHash(accessToken),
      [AUTH_REQ_ID_CLAIM]: request.authReqId,
    },
  );
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: settings.tokens.accessTokenSeconds,
    id_token: idToken,
    scope: request.scope,
    ...(request.authorizationDetails !== undefined ? { authorization_details: request.authorizationDetails } : {}),
  };
}
