/**
 * Polling the token endpoint as CIBA Core §7.3 and §11 ask of a poll-mode client: wait `interval`
 * seconds (5 when the provider names none) between requests, wait 5 s longer after every `slow_down`,
 * and stop when the request expires. The loop is bounded by expires_in: every turn waits first.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError, type Acknowledgement, type HttpAnswer } from './consumption-device.js';

/** CIBA Core §7.3: the interval a client uses when the provider sends none. */
const DEFAULT_INTERVAL_SECONDS = 5;
/** CIBA Core §11 (slow_down): the interval grows by at least 5 s. */
const SLOW_DOWN_SECONDS = 5;

export type PollOutcome =
  | { readonly kind: 'tokens'; readonly tokens: Record<string, unknown>; readonly polls: number }
  /** access_denied: the user said no (CIBA Core §11). */
  | { readonly kind: 'denied'; readonly polls: number }
  /** expired_token, or expires_in passed without an answer. */
  | { readonly kind: 'expired'; readonly polls: number };

export interface PollObserver {
  /** Called after each token request that is still waiting: its error and the interval now in force. */
  waiting(error: string, polls: number, intervalSeconds: number): void;
}

/** Time, for the loop: the real one unless a test gives its own. */
export interface PollClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: PollClock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

export async function pollForTokens(
  acknowledgement: Acknowledgement,
  poll: () => Promise<HttpAnswer>,
  observer: PollObserver,
  clock: PollClock = realClock,
): Promise<PollOutcome> {
  const deadline = clock.now() + acknowledgement.expires_in * 1000;
  let interval = Math.max(1, acknowledgement.interval ?? DEFAULT_INTERVAL_SECONDS);
  let polls = 0;
  for (;;) {
    const remaining = deadline - clock.now();
    if (remaining <= interval * 1000) {
      await clock.sleep(Math.max(0, remaining));
      return { kind: 'expired', polls };
    }
    await clock.sleep(interval * 1000);
    const answer = await poll();
    polls++;
    if (answer.status === 200) return { kind: 'tokens', tokens: answer.json, polls };
    const error = answer.json.error;
    if (error === 'authorization_pending') observer.waiting(error, polls, interval);
    else if (error === 'slow_down') {
      interval += SLOW_DOWN_SECONDS;
      observer.waiting(error, polls, interval);
    } else if (error === 'access_denied') return { kind: 'denied', polls };
    else if (error === 'expired_token') return { kind: 'expired', polls };
    else throw new ProviderError('the token request', answer);
  }
}
