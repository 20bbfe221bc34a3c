/**
 * What a change to an authentication request means for its client's notification (CIBA Core §10.2,
 * §10.3). The table's stream is the outbox: every state change arrives here exactly as it was
 * written, so a decision can never be recorded without its notification being planned.
 */
import type { AuthRequest } from '../model.js';
import type { NotificationJob } from '../ports.js';

export interface AuthRequestChange {
  readonly before?: AuthRequest;
  readonly after?: AuthRequest;
}

export interface PlannedJob {
  readonly job: NotificationJob;
  readonly delayMs: number;
}

/** Whether the client is notified of this request's outcome (ping and push clients). */
const notifies = (request: AuthRequest | undefined): request is AuthRequest =>
  request !== undefined && (request.deliveryMode === 'ping' || request.deliveryMode === 'push') && request.notificationEndpoint !== undefined;

export function planNotifications({ before, after }: AuthRequestChange, now: number): PlannedJob[] {
  // A new request reaches the user's phones, whatever the client's mode.
  const phone: PlannedJob[] = before === undefined && after?.status === 'pending' && (after.pushTargets?.length ?? 0) > 0
    ? [{ job: { kind: 'phone', authReqId: after.authReqId, attempt: 0 }, delayMs: 0 }]
    : [];
  // Poll clients are never notified (CIBA Core §5); deletions (TTL) notify nobody.
  if (!notifies(after)) return phone;
  const job = (kind: NotificationJob['kind']): NotificationJob => ({ kind, authReqId: after.authReqId, attempt: 0 });
  // A new request: if nobody decides it, its expiry is announced (ping) or pushed as expired_token.
  if (before === undefined) return after.status === 'pending' ? [...phone, { job: job('expiry'), delayMs: Math.max(0, after.expiresAt - now) }] : [];
  // The user decided: announce it now.
  if (before.status === 'pending' && after.status !== 'pending') return [{ job: job('result'), delayMs: 0 }];
  // An operator re-drove a dead letter.
  if (after.redriveRequestedAt !== undefined && after.redriveRequestedAt !== before.redriveRequestedAt) return [{ job: job('result'), delayMs: 0 }];
  return [];
}
