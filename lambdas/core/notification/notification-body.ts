/**
 * The bodies of notifications, exactly as CIBA Core specifies them.
 */
import type { AuthRequest } from '../model.js';
import type { TokenResponse } from '../token/mint-token-response.js';

/** §10.2 ping: a body of exactly {"auth_req_id": "..."}. */
export function pingBody(request: AuthRequest): string {
  return JSON.stringify({ auth_req_id: request.authReqId });
}

/** §10.3.1 push, success: the token response with the auth_req_id. */
export function pushSuccessBody(request: AuthRequest, tokens: TokenResponse): string {
  return JSON.stringify({ auth_req_id: request.authReqId, ...tokens });
}

/** §12 push, error: the error with the auth_req_id. */
export function pushErrorBody(request: AuthRequest, error: 'access_denied' | 'expired_token', description: string): string {
  return JSON.stringify({ auth_req_id: request.authReqId, error, error_description: description });
}
