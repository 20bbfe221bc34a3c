/**
 * The token endpoint (RFC 6749 §3.2): authenticate the client, then dispatch on grant_type.
 */
import { authenticateClient } from '../client-authentication/authenticate-client.js';
import { InvalidRequest, UnsupportedGrantType } from '../errors.js';
import { readForm } from '../http/form.js';
import { json, type HttpRequest, type HttpResponse } from '../http/http.js';
import { CIBA_GRANT_TYPE } from '../model.js';
import type { Dependencies } from '../ports.js';
import { redeemAuthReqId } from './redeem-auth-req-id.js';

type TokenDependencies = Pick<Dependencies, 'config' | 'clock' | 'clients' | 'authRequests' | 'signer' | 'jwks' | 'replay'>;

export async function tokenEndpoint(request: HttpRequest, deps: TokenDependencies): Promise<HttpResponse> {
  const form = readForm(request);
  const client = await authenticateClient(request, form, deps);
  const grantType = form.get('grant_type');
  if (grantType === undefined) throw new InvalidRequest('grant_type is required');
  if (grantType !== CIBA_GRANT_TYPE) throw new UnsupportedGrantType('this provider supports the CIBA grant type only');
  return json(200, await redeemAuthReqId(form, client, deps));
}
