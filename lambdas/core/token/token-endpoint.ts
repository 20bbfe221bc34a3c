/**
 * The token endpoint (RFC 6749 §3.2): authenticate the client, then dispatch on grant_type: the CIBA
 * grant, or a refresh (RFC 6749 §6).
 */
import { authenticateClient } from '../client-authentication/authenticate-client.js';
import { InvalidRequest, UnsupportedGrantType } from '../errors.js';
import { readForm } from '../http/form.js';
import { json, type HttpRequest, type HttpResponse } from '../http/http.js';
import { CIBA_GRANT_TYPE } from '../model.js';
import type { Dependencies } from '../ports.js';
import { redeemAuthReqId } from './redeem-auth-req-id.js';
import { redeemRefreshToken } from './refresh/redeem-refresh-token.js';
import { REFRESH_TOKEN_GRANT_TYPE } from './refresh/refresh-policy.js';

type TokenDependencies = Pick<Dependencies, 'config' | 'clock' | 'clients' | 'authRequests' | 'refreshTokens' | 'signer' | 'jwks' | 'replay'>;

export async function tokenEndpoint(request: HttpRequest, deps: TokenDependencies): Promise<HttpResponse> {
  const form = readForm(request);
  const client = await authenticateClient(request, form, deps);
  const grantType = form.get('grant_type');
  if (grantType === undefined) throw new InvalidRequest('grant_type is required');
  if (grantType === CIBA_GRANT_TYPE) return json(200, await redeemAuthReqId(form, client, deps));
  if (grantType === REFRESH_TOKEN_GRANT_TYPE) return json(200, await redeemRefreshToken(form, client, deps));
  throw new UnsupportedGrantType('this provider supports the CIBA and refresh_token grant types only');
}
