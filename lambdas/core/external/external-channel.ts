/**
 * The external channel of a backchannel request (the SecureAuth way): the provider asks the operator's
 * authentication service whether it can authenticate the user *before* answering the client, and
 * starts the authentication once the request is stored; the service answers later through the
 * callback API. A service that cannot be reached is a clear 503 temporarily_unavailable for the
 * client (with Retry-After), never an opaque failure, and never an auth_req_id that cannot succeed.
 */
import { BackchannelAccessDenied, TemporarilyUnavailable, UnknownUserId } from '../errors.js';
import type { AuthRequest, Client, User } from '../model.js';
import type { AuthRequestRepository, ExternalAuthenticationRequest, ExternalAuthenticationService } from '../ports.js';
import { endpointPaths } from '../../routes.js';

const RETRY_AFTER = { headers: { 'Retry-After': '30' } };

/**
 * All calls to the service within one backchannel request end within this time: the function has 10 s,
 * and the request must still be removed, or answered, after a failed start.
 */
export const EXTERNAL_TIME_BUDGET_MS = 7000;

function unavailable(service: ExternalAuthenticationService): never {
  throw new TemporarilyUnavailable(`the authentication service (${service.name}) is unavailable; try again later`, RETRY_AFTER);
}

export function externalRequest(input: { user: User; loginHint: string | undefined; client: Client; scope: string; acr: string | undefined; bindingMessage: string | undefined; openbankingIntentId: string | undefined }): ExternalAuthenticationRequest {
  return {
    sub: input.user.sub,
    ...(input.loginHint !== undefined ? { login_hint: input.loginHint } : {}),
    client_id: input.client.clientId,
    ...(input.client.metadata.client_name !== undefined ? { client_name: input.client.metadata.client_name } : {}),
    scope: input.scope,
    ...(input.acr !== undefined ? { acr: input.acr } : {}),
    ...(input.bindingMessage !== undefined ? { binding_message: input.bindingMessage } : {}),
    ...(input.openbankingIntentId !== undefined ? { openbanking_intent_id: input.openbankingIntentId } : {}),
  };
}

/** Before any auth_req_id exists: a negative answer is the CIBA error the client should see. */
export async function verifyWithExternalService(service: ExternalAuthenticationService | undefined, request: ExternalAuthenticationRequest, deadline: number): Promise<void> {
  if (!service) throw new TemporarilyUnavailable('no authentication service is configured for this acr', RETRY_AFTER);
  const verification = await service.verifyUser(request, deadline);
  switch (verification.kind) {
    case 'ok':
      return;
    case 'unknownUser':
      throw new UnknownUserId('the authentication service does not know this user');
    case 'notAllowed':
      // The service's reason (a fraud hold, a blocked account) is for the operator's log, not the client.
      console.warn(JSON.stringify({ level: 'WARN', message: 'external authentication service refused the user', service: service.name, reason: verification.reason }));
      throw new BackchannelAccessDenied('the authentication service cannot authenticate this user');
    case 'unavailable':
      unavailable(service);
  }
}

/**
 * After the request is stored. If the service cannot start, the request is removed before the client
 * hears of it: it answers 503 and may try again.
 */
export async function startExternalAuthentication(
  service: ExternalAuthenticationService,
  request: AuthRequest,
  base: ExternalAuthenticationRequest,
  callbackCredential: string,
  issuer: string,
  authRequests: AuthRequestRepository,
  deadline: number,
): Promise<void> {
  const started = await service.startAuthentication({
    ...base,
    auth_req_id: request.authReqId,
    ...(request.authorizationDetails !== undefined ? { authorization_details: request.authorizationDetails } : {}),
    expires_at: new Date(request.expiresAt).toISOString(),
    callback: { url: `${issuer}${endpointPaths.externalCallback.replace('{auth_req_id}', encodeURIComponent(request.authReqId))}`, credential: callbackCredential },
  }, deadline);
  if (started.kind === 'started') return;
  await authRequests.remove(request.authReqId);
  unavailable(service);
}
