import type { AuthorizationDetail, AuthRequest } from '../model.js';
import { splitScope } from '../scopes.js';

/** What an authentication device is shown about a request: enough for the user to decide. */
export interface AuthRequestView {
  readonly auth_req_id: string;
  readonly client_id: string;
  readonly client_name?: string;
  readonly scope: readonly string[];
  readonly binding_message?: string;
  readonly authorization_details?: readonly AuthorizationDetail[];
  readonly acr?: string;
  /** The approval must report how the user was verified (amr), as the acr's policy demands. */
  readonly user_verification_required: boolean;
  readonly status: AuthRequest['status'];
  readonly created_at: string;
  readonly expires_at: string;
}

export function authRequestView(request: AuthRequest): AuthRequestView {
  return {
    auth_req_id: request.authReqId,
    client_id: request.clientId,
    ...(request.clientName !== undefined ? { client_name: request.clientName } : {}),
    scope: splitScope(request.scope),
    ...(request.bindingMessage !== undefined ? { binding_message: request.bindingMessage } : {}),
    ...(request.authorizationDetails !== undefined ? { authorization_details: request.authorizationDetails } : {}),
    ...(request.acr !== undefined ? { acr: request.acr } : {}),
    user_verification_required: request.userVerificationRequired === true,
    status: request.status,
    created_at: new Date(request.createdAt).toISOString(),
    expires_at: new Date(request.expiresAt).toISOString(),
  };
}
