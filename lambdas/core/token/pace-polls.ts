/** How much earlier than the interval a poll may arrive and still count as on time (network jitter). */
export const POLL_TOLERANCE_MS = 500;

/** CIBA Core §11: each slow_down raises the interval by at least this many seconds. */
export const SLOW_DOWN_STEP_SECONDS = 5;

export interface PollPace {
  /** The interval the client must now keep, in seconds. */
  readonly interval: number;
  /** Whether the latest poll came sooner than the interval then required. */
  readonly tooSoon: boolean;
}

/**
 * Replays a request's recorded poll times (epoch milliseconds) against CIBA Core §11:
 * a poll sooner than the interval after the previous one is answered slow_down, and the interval
 * grows by 5 seconds "for this and all subsequent requests". Deriving the interval from the recorded
 * times keeps each poll to a single unconditional database write, with nothing to read first.
 */
export function pacePolls(pollTimes: readonly number[], initialInterval: number): PollPace {
  let interval = initialInterval;
  let tooSoon = false;
  for (let i = 1; i < pollTimes.length; i++) {
    const gap = (pollTimes[i] ?? 0) - (pollTimes[i - 1] ?? 0);
    tooSoon = gap + POLL_TOLERANCE_MS < interval * 1000;
    if (tooSoon) interval += SLOW_DOWN_STEP_SECONDS;
  }
  return { interval, tooSoon };
}
