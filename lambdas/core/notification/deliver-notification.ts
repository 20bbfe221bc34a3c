/**
 * Delivers one notification job (CIBA Core §10.2 ping, §10.3 push), apart from the request that
 * changed the state: approving never waits on the client's server. Retries go back on the queue with
 * backoff; what still fails becomes a dead letter that operators can list and re-drive.
 */
import type { Config } from '../../config.js';
import type { AuthRequest } from '../model.js';
import type { AuthRequestRepository, Clock, DeadLetterRepository, NotificationJob, NotificationQueue, NotificationSender, RefreshTokenRepository, Signer, Telemetry } from '../ports.js';
import { mintTokenResponse } from '../token/mint-token-response.js';
import { grantedOfflineAccess } from '../token/refresh/refresh-policy.js';
import { startRefreshGrant } from '../token/refresh/start-refresh-grant.js';
import { pingBody, pushErrorBody, pushSuccessBody } from './notification-body.js';
import { pushToDevices, type PhonePushDependencies } from './push-to-devices.js';
import { describeResult, judgeResult, retryDelay } from './retry-policy.js';

export interface DeliveryDependencies extends PhonePushDependencies {
  readonly config: Pick<Config, 'issuer' | 'tokens' | 'refreshTokens' | 'delivery'>;
  readonly clock: Clock;
  readonly authRequests: AuthRequestRepository;
  /** Required to push the tokens of a request granted offline_access (CIBA Core §10.3.1 refresh_token). */
  readonly refreshTokens?: RefreshTokenRepository;
  readonly deadLetters: DeadLetterRepository;
  readonly queue: NotificationQueue;
  readonly sender: NotificationSender;
  readonly signer: Signer;
  readonly random?: () => number;
  /** Told how each ping or push attempt ended (the Deliveries metric); absent in tests that do not look. */
  readonly telemetry?: Telemetry;
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'deadLettered' | 'rescheduled' | 'nothingToSend';

/** How long a dead letter's request is kept, so that a re-drive still finds it. */
const DEAD_LETTER_KEEP_MS = 14 * 24 * 3600 * 1000;

/** The body this job should send now, or why none. */
async function bodyFor(job: NotificationJob, request: AuthRequest, deps: DeliveryDependencies, now: number): Promise<string | 'notYetExpired' | undefined> {
  const expired = now >= request.expiresAt;
  if (request.status === 'pending') {
    if (!expired) return job.kind === 'expiry' ? 'notYetExpired' : undefined;
    return request.deliveryMode === 'ping' ? pingBody(request) : pushErrorBody(request, 'expired_token', 'the authentication request expired before the user answered');
  }
  // The expiry timer of a request that was decided in time has nothing to say.
  if (job.kind === 'expiry') return undefined;
  if (request.deliveryMode === 'ping') return pingBody(request);
  if (request.status === 'denied') return pushErrorBody(request, 'access_denied', 'the user denied the authentication request');
  // Tokens minted for an earlier attempt are sent again while they are valid (no duplicate tokens).
  if (request.pushPayload !== undefined && (request.pushPayloadExpiresAt ?? 0) > now) return request.pushPayload;
  const tokens = await mintTokenResponse(request, deps.config, deps.signer, now, await refreshTokenFor(request, deps, now));
  // Mint once: a retry, a duplicate job or a concurrent worker all send what was stored first.
  // The payload is re-sent only while every token in it is valid: the shorter of the two lifetimes.
  const validUntil = now + Math.min(tokens.expires_in, deps.config.tokens.idTokenSeconds) * 1000;
  return deps.authRequests.storePushPayload(request.authReqId, pushSuccessBody(request, tokens), validUntil, now);
}

/**
 * CIBA Core §10.3.1: the pushed tokens include a refresh token when the grant has offline_access, which
 * check-scope.ts grants only to clients registered for the refresh_token grant. Should two workers mint
 * at once, only the stored payload is sent: the other grant's token is never handed out.
 */
async function refreshTokenFor(request: AuthRequest, deps: DeliveryDependencies, now: number): Promise<string | undefined> {
  if (!grantedOfflineAccess(request.scope)) return undefined;
  if (!deps.refreshTokens) throw new Error('a refresh token repository is required to push tokens granted offline_access');
  return startRefreshGrant(request, { config: deps.config, refreshTokens: deps.refreshTokens }, now);
}

export async function deliverNotification(job: NotificationJob, deps: DeliveryDependencies): Promise<DeliveryOutcome> {
  const request = await deps.authRequests.find(job.authReqId);
  if (job.kind === 'phone') return request ? pushToDevices(request, deps).then(() => 'delivered' as const) : 'nothingToSend';
  if (!request?.notificationEndpoint || !request.notificationToken) return 'nothingToSend';
  const now = deps.clock.now();
  const body = await bodyFor(job, request, deps, now);
  if (body === undefined) return 'nothingToSend';
  if (body === 'notYetExpired') {
    // Queues cap delays (SQS at 15 minutes): the timer is simply set again until the moment comes.
    await deps.queue.enqueue(job, request.expiresAt - now);
    return 'rescheduled';
  }

  const result = await deps.sender.send({ url: request.notificationEndpoint, bearerToken: request.notificationToken, body });
  const attempts = job.attempt + 1;
  const lastResult = describeResult(result);
  const verdict = judgeResult(result);
  // Only ping and push requests have a notification endpoint (checked above).
  const mode = request.deliveryMode === 'push' ? 'push' : 'ping';
  if (verdict === 'delivered') {
    await deps.authRequests.recordDelivery(request.authReqId, { status: 'delivered', attempts, lastResult, at: now });
    deps.telemetry?.notificationSettled(mode, 'delivered');
    return 'delivered';
  }
  if (verdict === 'retry' && attempts < deps.config.delivery.maxAttempts) {
    await deps.queue.enqueue({ ...job, attempt: attempts }, retryDelay(attempts, deps.config.delivery, deps.random));
    await deps.authRequests.recordDelivery(request.authReqId, { status: 'retrying', attempts, lastResult, at: now });
    deps.telemetry?.notificationSettled(mode, 'retry');
    return 'retrying';
  }
  await deps.deadLetters.record({
    authReqId: request.authReqId,
    clientId: request.clientId,
    deliveryMode: request.deliveryMode,
    endpoint: request.notificationEndpoint,
    attempts,
    lastResult,
    failedAt: now,
  });
  await deps.authRequests.recordDelivery(request.authReqId, { status: 'failed', attempts, lastResult, at: now }, now + DEAD_LETTER_KEEP_MS);
  deps.telemetry?.notificationSettled(mode, 'dead_letter');
  return 'deadLettered';
}
