/** CIBA Core §11 slow_down, judged from the recorded poll times. */
import { describe, expect, it } from 'vitest';
import { pacePolls, POLL_TOLERANCE_MS, SLOW_DOWN_STEP_SECONDS } from '../../../lambdas/core/token/pace-polls.js';

const T0 = 1_700_000_000_000;

describe('pacePolls', () => {
  it('never finds the first poll too soon', () => {
    expect(pacePolls([], 5)).toEqual({ interval: 5, tooSoon: false });
    expect(pacePolls([T0], 5)).toEqual({ interval: 5, tooSoon: false });
  });

  it('accepts a poll exactly one interval after the previous one', () => {
    expect(pacePolls([T0, T0 + 5000], 5)).toEqual({ interval: 5, tooSoon: false });
  });

  it(`forgives up to ${POLL_TOLERANCE_MS} ms of jitter, and no more`, () => {
    expect(pacePolls([T0, T0 + 4900], 5)).toEqual({ interval: 5, tooSoon: false });
    expect(pacePolls([T0, T0 + 5000 - POLL_TOLERANCE_MS], 5)).toEqual({ interval: 5, tooSoon: false });
    expect(pacePolls([T0, T0 + 5000 - POLL_TOLERANCE_MS - 1], 5)).toEqual({ interval: 5 + SLOW_DOWN_STEP_SECONDS, tooSoon: true });
    expect(pacePolls([T0, T0 + 4400], 5)).toEqual({ interval: 10, tooSoon: true });
  });

  it('finds two polls in the same millisecond too soon', () => {
    expect(pacePolls([T0, T0], 5).tooSoon).toBe(true);
  });

  it('grows the interval by 5 s for each fast poll: 5 -> 10 -> 15 -> 20', () => {
    const times = [T0, T0 + 1000, T0 + 2000, T0 + 3000];
    expect(pacePolls(times.slice(0, 1), 5)).toEqual({ interval: 5, tooSoon: false });
    expect(pacePolls(times.slice(0, 2), 5)).toEqual({ interval: 10, tooSoon: true });
    expect(pacePolls(times.slice(0, 3), 5)).toEqual({ interval: 15, tooSoon: true });
    expect(pacePolls(times, 5)).toEqual({ interval: 20, tooSoon: true });
  });

  it('keeps the grown interval for every later poll ("for this and all subsequent requests")', () => {
    // A fast poll raises the interval to 10 s; the next poll keeps 10 s and is on time.
    const afterSlowDown = [T0, T0 + 1000, T0 + 11_000];
    expect(pacePolls(afterSlowDown, 5)).toEqual({ interval: 10, tooSoon: false });
    // Coming back to the original 5 s is too soon now: the interval does not fall back.
    expect(pacePolls([...afterSlowDown, T0 + 17_000], 5)).toEqual({ interval: 15, tooSoon: true });
    // A later well-paced poll keeps 15 s.
    expect(pacePolls([...afterSlowDown, T0 + 17_000, T0 + 32_000], 5)).toEqual({ interval: 15, tooSoon: false });
  });

  it('starts from the announced interval', () => {
    expect(pacePolls([T0, T0 + 2000], 2)).toEqual({ interval: 2, tooSoon: false });
    expect(pacePolls([T0, T0 + 2000], 3)).toEqual({ interval: 8, tooSoon: true });
  });
});
