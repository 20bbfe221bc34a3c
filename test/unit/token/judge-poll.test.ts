/** CIBA Core §11: what a recorded poll gets. */
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../../lambdas/core/errors.js';
import type { AuthRequest } from '../../../lambdas/core/model.js';
import { judgePoll, judgeUnrecordedPoll } from '../../../lambdas/core/token/judge-poll.js';

const T0 = 1_700_000_000_000;

function authRequest(overrides: Partial<AuthRequest> = {}): AuthRequest {
  return {
    authReqId: 'req-1',
    clientId: 'client-1',
    sub: 'jane.doe',
    scope: 'openid',
    deliveryMode: 'poll',
    createdAt: T0,
    expiresAt: T0 + 300_000,
    interval: 5,
    status: 'pending',
    pollCount: 1,
    pollTimes: [T0 + 5000],
    ...overrides,
  };
}

/** The error code judgePoll throws, or 'redeem' when it lets the poll redeem. */
function outcome(request: AuthRequest, now: number): string {
  try {
    judgePoll(request, now);
    return 'redeem';
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return error.error;
  }
}

describe('judgePoll', () => {
  const redeemable = authRequest({ status: 'approved', pollCount: 2, redeemAtPoll: 2, pollTimes: [T0 + 5000, T0 + 10_000], decidedAt: T0 + 7000 });

  it('lets the approved request redeem at exactly the poll fixed at approval', () => {
    expect(outcome(redeemable, T0 + 10_000)).toBe('redeem');
  });

  it('refuses any other poll of an approved request: invalid_grant', () => {
    expect(outcome({ ...redeemable, pollCount: 3, pollTimes: [...redeemable.pollTimes, T0 + 15_000] }, T0 + 15_000)).toBe('invalid_grant');
    expect(outcome({ ...redeemable, redeemAtPoll: undefined }, T0 + 10_000)).toBe('invalid_grant');
  });

  it('answers expired_token once the request has expired, whatever else holds', () => {
    const at = redeemable.expiresAt;
    expect(outcome(redeemable, at)).toBe('expired_token');
    expect(outcome(redeemable, at + 1)).toBe('expired_token');
    expect(outcome(authRequest({ status: 'denied' }), at)).toBe('expired_token');
    expect(outcome(authRequest({ pollCount: 2, pollTimes: [at - 10, at] }), at)).toBe('expired_token');
    expect(outcome(authRequest(), at)).toBe('expired_token');
  });

  it('is not expired a millisecond before expiry', () => {
    expect(outcome(redeemable, redeemable.expiresAt - 1)).toBe('redeem');
  });

  it('answers access_denied for a denied request', () => {
    expect(outcome(authRequest({ status: 'denied', decidedAt: T0 + 6000 }), T0 + 10_000)).toBe('access_denied');
  });

  it('answers authorization_pending for a pending request polled at the pace', () => {
    expect(outcome(authRequest(), T0 + 5000)).toBe('authorization_pending');
    expect(outcome(authRequest({ pollCount: 2, pollTimes: [T0 + 5000, T0 + 10_000] }), T0 + 10_000)).toBe('authorization_pending');
  });

  it('answers slow_down for a pending request polled too fast', () => {
    expect(outcome(authRequest({ pollCount: 2, pollTimes: [T0 + 5000, T0 + 6000] }), T0 + 6000)).toBe('slow_down');
  });
});

describe('judgeUnrecordedPoll (a poll past the poll limit)', () => {
  const code = (request: AuthRequest, now: number): string => {
    try {
      judgeUnrecordedPoll(request, now);
      return 'returned';
    } catch (error) {
      return error instanceof OAuthError ? error.error : 'not an OAuthError';
    }
  };
  const late = T0 + 10_000;

  it('never lets the poll redeem: an approved request past the limit was redeemed already', () => {
    expect(code(authRequest({ status: 'approved', pollCount: 1000, redeemAtPoll: 1000 }), late)).toBe('invalid_grant');
  });
  it('answers slow_down while pending, access_denied once denied, expired_token after expiry', () => {
    expect(code(authRequest({ status: 'pending', pollCount: 1000 }), late)).toBe('slow_down');
    expect(code(authRequest({ status: 'denied', pollCount: 1000 }), late)).toBe('access_denied');
    expect(code(authRequest({ status: 'approved', pollCount: 1000, redeemAtPoll: 1000 }), T0 + 400_000)).toBe('expired_token');
  });
});
