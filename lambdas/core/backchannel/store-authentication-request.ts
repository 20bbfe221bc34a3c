import type { AuthorizationDetail, AuthRequest, Client, DeviceSummary, User } from '../model.js';
import type { AuthRequestRepository, CreateOutcome } from '../ports.js';
import { BackchannelAccessDenied, type OAuthError } from '../errors.js';
import { randomToken } from '../secrets/secrets.js';
import { transactionHashes } from '../device/verify-signed-decision.js';

export interface NewAuthRequest {
  readonly client: Client;
  readonly user: User;
  readonly scope: string;
  readonly bindingMessage: string | undefined;
  readonly authorizationDetails: readonly AuthorizationDetail[] | undefined;
  /** RFC 8707: the resources the access tokens are for; undefined, the configured default audience. */
  readonly resources: readonly string[] | undefined;
  readonly acr: string | undefined;
  readonly userVerificationRequired: boolean;
  readonly expiresIn: number;
  readonly interval: number;
  readonly notificationToken: string | undefined;
  readonly pushTargets: readonly DeviceSummary[];
  readonly channel: 'device' | 'external';
  readonly loginHint: string | undefined;
  readonly openbankingIntentId: string | undefined;
  readonly callbackCredentialHash: string | undefined;
  readonly now: number;
}

/**
 * CIBA Core §7.3: auth_req_id MUST be unguessable, with at least 128 bits of entropy; this one has
 * 256, from 32 random bytes in base64url.
 */
export async function storeAuthenticationRequest(input: NewAuthRequest, authRequests: AuthRequestRepository): Promise<AuthRequest> {
  const authReqId = randomToken(32);
  const request: AuthRequest = {
    authReqId,
    clientId: input.client.clientId,
    ...(input.client.metadata.client_name ? { clientName: input.client.metadata.client_name } : {}),
    sub: input.user.sub,
    scope: input.scope,
    ...(input.bindingMessage !== undefined ? { bindingMessage: input.bindingMessage } : {}),
    ...(input.authorizationDetails !== undefined ? { authorizationDetails: input.authorizationDetails } : {}),
    transactionHashes: transactionHashes({
      authReqId,
      clientId: input.client.clientId,
      bindingMessage: input.bindingMessage,
      authorizationDetails: input.authorizationDetails,
    }),
    ...(input.resources !== undefined ? { resources: input.resources } : {}),
    // Copied like the notification endpoint below: push delivery mints tokens without reading the client.
    ...(input.client.metadata.access_token_lifetime !== undefined ? { accessTokenLifetime: input.client.metadata.access_token_lifetime } : {}),
    ...(input.acr !== undefined ? { acr: input.acr } : {}),
    ...(input.userVerificationRequired ? { userVerificationRequired: true } : {}),
    deliveryMode: input.client.metadata.backchannel_token_delivery_mode ?? 'poll',
    createdAt: input.now,
    expiresAt: input.now + input.expiresIn * 1000,
    interval: input.interval,
    status: 'pending',
    pollCount: 0,
    pollTimes: [],
    ...(input.pushTargets.length > 0 ? { pushTargets: input.pushTargets } : {}),
    ...(input.channel === 'external' ? { channel: 'external' as const } : {}),
    ...(input.loginHint !== undefined ? { loginHint: input.loginHint } : {}),
    ...(input.openbankingIntentId !== undefined ? { openbankingIntentId: input.openbankingIntentId } : {}),
    ...(input.callbackCredentialHash !== undefined ? { callbackCredentialHash: input.callbackCredentialHash } : {}),
    // Copied with the request, so that delivery needs no client lookup and outlives client changes.
    ...(input.notificationToken !== undefined && input.client.metadata.backchannel_client_notification_endpoint !== undefined
      ? { notificationEndpoint: input.client.metadata.backchannel_client_notification_endpoint, notificationToken: input.notificationToken }
      : {}),
  };
  const outcome = await authRequests.create(request);
  if (outcome.kind === 'refused') throw userLimitReached(outcome);
  return request;
}

/**
 * CIBA Core §13: access_denied (403), "the OP ... has denied the request": here because the user has
 * reached a per-user limit (config.ts userLimits), which protects them from a flood of prompts. It is
 * only ever reached for a user the hint identified (an unknown one got unknown_user_id before), so it
 * reveals nothing new about who exists. Nothing was stored.
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html (§13, Authentication Error Response)
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3 (Retry-After, in seconds)
 */
function userLimitReached(outcome: Extract<CreateOutcome, { kind: 'refused' }>): OAuthError {
  const description =
    outcome.limit === 'requestsPerMinute'
      ? 'too many authentication requests for this user in this minute; retry later'
      : 'too many pending authentication requests for this user; retry once one is decided or has expired';
  return new BackchannelAccessDenied(description, outcome.retryAfterSeconds !== undefined ? { headers: { 'Retry-After': String(outcome.retryAfterSeconds) } } : {});
}
