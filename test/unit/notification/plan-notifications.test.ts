/**
 * planNotifications: what each change on the table's stream means for a client's notification
 * (CIBA Core §10.2 ping, §10.3 push; poll clients are never notified, §5).
 */
import { describe, expect, it } from 'vitest';
import type { AuthRequest, DeliveryMode } from '../../../lambdas/core/model.js';
import { planNotifications } from '../../../lambdas/core/notification/plan-notifications.js';

const NOW = 1_700_000_000_000;

function request(overrides: Partial<AuthRequest> = {}): AuthRequest {
  return {
    authReqId: 'auth-req-1',
    clientId: 'client-1',
    sub: 'jane.doe',
    scope: 'openid',
    deliveryMode: 'ping',
    createdAt: NOW,
    expiresAt: NOW + 120_000,
    interval: 5,
    status: 'pending',
    pollCount: 0,
    pollTimes: [],
    notificationEndpoint: 'https://client.example/cb',
    notificationToken: 'token-1',
    ...overrides,
  };
}

const job = (kind: 'result' | 'expiry') => ({ kind, authReqId: 'auth-req-1', attempt: 0 });

describe('planNotifications', () => {
  for (const mode of ['ping', 'push'] as const satisfies readonly DeliveryMode[]) {
    describe(`${mode} mode`, () => {
      it('a new pending request: one expiry job, delayed until it expires', () => {
        expect(planNotifications({ after: request({ deliveryMode: mode }) }, NOW)).toEqual([{ job: job('expiry'), delayMs: 120_000 }]);
        expect(planNotifications({ after: request({ deliveryMode: mode }) }, NOW + 20_000)).toEqual([{ job: job('expiry'), delayMs: 100_000 }]);
      });

      it('a new request seen only after it expired (a late stream): the expiry job runs now, never with a negative delay', () => {
        expect(planNotifications({ after: request({ deliveryMode: mode }) }, NOW + 500_000)).toEqual([{ job: job('expiry'), delayMs: 0 }]);
      });

      it('pending -> approved: the result job, now', () => {
        const before = request({ deliveryMode: mode });
        const after = request({ deliveryMode: mode, status: 'approved', decidedAt: NOW + 1000, redeemAtPoll: 1 });
        expect(planNotifications({ before, after }, NOW + 1000)).toEqual([{ job: job('result'), delayMs: 0 }]);
      });

      it('pending -> denied: the result job, now', () => {
        const before = request({ deliveryMode: mode });
        const after = request({ deliveryMode: mode, status: 'denied', decidedAt: NOW + 1000 });
        expect(planNotifications({ before, after }, NOW + 1000)).toEqual([{ job: job('result'), delayMs: 0 }]);
      });

      it('changes that only record delivery, a stored push payload or a poll plan nothing', () => {
        const approved = request({ deliveryMode: mode, status: 'approved', decidedAt: NOW + 1000, redeemAtPoll: 1 });
        const delivered = { ...approved, delivery: { status: 'delivered' as const, attempts: 1, lastResult: 'HTTP 204', at: NOW + 1200 } };
        expect(planNotifications({ before: approved, after: delivered }, NOW + 1200)).toEqual([]);
        const retrying = { ...approved, delivery: { status: 'retrying' as const, attempts: 1, lastResult: 'HTTP 503', at: NOW + 1200 } };
        expect(planNotifications({ before: retrying, after: delivered }, NOW + 1300)).toEqual([]);
        const failed = { ...approved, delivery: { status: 'failed' as const, attempts: 8, lastResult: 'HTTP 503', at: NOW + 1300 } };
        expect(planNotifications({ before: retrying, after: failed }, NOW + 1300)).toEqual([]);
        const withPayload = { ...approved, pushPayload: '{"auth_req_id":"auth-req-1"}', pushPayloadExpiresAt: NOW + 600_000 };
        expect(planNotifications({ before: approved, after: withPayload }, NOW + 1200)).toEqual([]);
        const pending = request({ deliveryMode: mode });
        const polled = request({ deliveryMode: mode, pollCount: 1, pollTimes: [NOW + 500] });
        expect(planNotifications({ before: pending, after: polled }, NOW + 500)).toEqual([]);
        // A decided request that stays decided (approved, then redeemed by a poll) plans nothing more.
        expect(planNotifications({ before: approved, after: { ...approved, pollCount: 1, pollTimes: [NOW + 2000] } }, NOW + 2000)).toEqual([]);
      });

      it('an operator re-drive (redriveRequestedAt set or changed) plans the result job now; an unchanged mark plans nothing', () => {
        const failed = request({
          deliveryMode: mode,
          status: 'approved',
          decidedAt: NOW + 1000,
          delivery: { status: 'failed', attempts: 8, lastResult: 'HTTP 503', at: NOW + 2000 },
        });
        const redriven = { ...failed, redriveRequestedAt: NOW + 60_000 };
        expect(planNotifications({ before: failed, after: redriven }, NOW + 60_000)).toEqual([{ job: job('result'), delayMs: 0 }]);
        const again = { ...failed, redriveRequestedAt: NOW + 90_000 };
        expect(planNotifications({ before: redriven, after: again }, NOW + 90_000)).toEqual([{ job: job('result'), delayMs: 0 }]);
        const deliveredAfterRedrive = { ...redriven, delivery: { status: 'delivered' as const, attempts: 1, lastResult: 'HTTP 200', at: NOW + 61_000 } };
        expect(planNotifications({ before: redriven, after: deliveredAfterRedrive }, NOW + 61_000)).toEqual([]);
      });

      it('a deletion (TTL) notifies nobody', () => {
        expect(planNotifications({ before: request({ deliveryMode: mode }) }, NOW + 200_000)).toEqual([]);
      });

      it('a request without a notification endpoint plans nothing', () => {
        const before = request({ deliveryMode: mode, notificationEndpoint: undefined, notificationToken: undefined });
        const after = { ...before, status: 'approved' as const, decidedAt: NOW + 1000 };
        expect(planNotifications({ after: before }, NOW)).toEqual([]);
        expect(planNotifications({ before, after }, NOW + 1000)).toEqual([]);
        expect(planNotifications({ before: after, after: { ...after, redriveRequestedAt: NOW + 5000 } }, NOW + 5000)).toEqual([]);
      });
    });
  }

  it('poll mode plans nothing, even with an endpoint: new, decided or re-driven', () => {
    const pending = request({ deliveryMode: 'poll' });
    const approved = { ...pending, status: 'approved' as const, decidedAt: NOW + 1000 };
    const denied = { ...pending, status: 'denied' as const, decidedAt: NOW + 1000 };
    expect(planNotifications({ after: pending }, NOW)).toEqual([]);
    expect(planNotifications({ before: pending, after: approved }, NOW + 1000)).toEqual([]);
    expect(planNotifications({ before: pending, after: denied }, NOW + 1000)).toEqual([]);
    expect(planNotifications({ before: approved, after: { ...approved, redriveRequestedAt: NOW + 5000 } }, NOW + 5000)).toEqual([]);
  });
});
