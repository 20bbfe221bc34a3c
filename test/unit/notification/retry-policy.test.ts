/**
 * The retry policy of notifications: which answers are retried, and the backoff (exponential with
 * full jitter: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs * 2^n))).
 */
import { describe, expect, it } from 'vitest';
import type { NotificationResult } from '../../../lambdas/core/ports.js';
import { describeResult, judgeResult, retryDelay } from '../../../lambdas/core/notification/retry-policy.js';

const response = (status: number): NotificationResult => ({ kind: 'response', status });

describe('judgeResult', () => {
  it.each([200, 201, 202, 204, 299])('HTTP %i: delivered', (status) => {
    expect(judgeResult(response(status))).toBe('delivered');
  });

  it.each([500, 502, 503, 504, 599, 429])('HTTP %i: retry', (status) => {
    expect(judgeResult(response(status))).toBe('retry');
  });

  it('no answer (connection refused, reset, timeout): retry', () => {
    expect(judgeResult({ kind: 'networkError', reason: 'ECONNREFUSED' })).toBe('retry');
    expect(judgeResult({ kind: 'networkError', reason: 'ECONNRESET' })).toBe('retry');
    expect(judgeResult({ kind: 'networkError', reason: 'timeout' })).toBe('retry');
  });

  it.each([400, 401, 403, 404, 405, 410, 413, 422, 300, 301, 302, 303, 307, 308])('HTTP %i: give up (not retried, redirects not followed)', (status) => {
    expect(judgeResult(response(status))).toBe('giveUp');
  });

  it('an endpoint refused by the address policy (SSRF): give up', () => {
    expect(judgeResult({ kind: 'forbidden', reason: '10.0.0.1 is a private address' })).toBe('giveUp');
  });
});

describe('retryDelay', () => {
  const small = { baseDelayMs: 20, maxDelayMs: 100 };
  const defaults = { baseDelayMs: 1000, maxDelayMs: 120_000 };
  const ceiling = (attempt: number, policy: { baseDelayMs: number; maxDelayMs: number }) => Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);

  it('random 0: no wait at all (full jitter starts at 0)', () => {
    for (let attempt = 1; attempt <= 20; attempt++) {
      expect(retryDelay(attempt, small, () => 0)).toBe(0);
      expect(retryDelay(attempt, defaults, () => 0)).toBe(0);
    }
  });

  it('random 0.999: just under min(max, base * 2^attempt), never reaching it', () => {
    expect(retryDelay(1, small, () => 0.999)).toBe(39);
    expect(retryDelay(2, small, () => 0.999)).toBe(79);
    expect(retryDelay(3, small, () => 0.999)).toBe(99);
    expect(retryDelay(10, small, () => 0.999)).toBe(99);
    expect(retryDelay(1, defaults, () => 0.999)).toBe(1998);
    expect(retryDelay(6, defaults, () => 0.999)).toBe(63_936);
    expect(retryDelay(7, defaults, () => 0.999)).toBe(119_880);
    expect(retryDelay(19, defaults, () => 0.999)).toBe(119_880);
    for (let attempt = 1; attempt <= 20; attempt++) {
      const delay = retryDelay(attempt, defaults, () => 0.999);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceiling(attempt, defaults));
    }
  });

  it('grows exponentially until the cap', () => {
    const top = (attempt: number) => retryDelay(attempt, defaults, () => 0.5);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(top)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('with Math.random: whole milliseconds within [0, min(max, base * 2^attempt))', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      for (let sample = 0; sample < 50; sample++) {
        const delay = retryDelay(attempt, small);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling(attempt, small));
      }
    }
  });
});

describe('describeResult', () => {
  it('names the status, or why there was none', () => {
    expect(describeResult(response(503))).toBe('HTTP 503');
    expect(describeResult({ kind: 'networkError', reason: 'ECONNREFUSED' })).toBe('no answer: ECONNREFUSED');
    expect(describeResult({ kind: 'forbidden', reason: '10.0.0.1 is a private address' })).toBe('refused: 10.0.0.1 is a private address');
  });
});
