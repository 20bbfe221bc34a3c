/**
 * When to try a notification again. Retried: no answer at all (network errors, timeouts), 5xx and
 * 429, with exponential backoff and full jitter. Never retried: any other answer, including 401 (the
 * conformance suite fails a provider that retries after one) and redirects, which are not followed.
 */
import type { DeliveryConfig } from '../../config.js';
import type { NotificationResult } from '../ports.js';

export type Verdict = 'delivered' | 'retry' | 'giveUp';

export function judgeResult(result: NotificationResult): Verdict {
  if (result.kind === 'forbidden') return 'giveUp';
  if (result.kind === 'networkError') return 'retry';
  if (result.status >= 200 && result.status < 300) return 'delivered';
  if (result.status >= 500 || result.status === 429) return 'retry';
  return 'giveUp';
}

/** The wait before attempt `attempt` (1-based: the first retry is attempt 1): random in [0, min(max, base * 2^attempt)). */
export function retryDelay(attempt: number, policy: Pick<DeliveryConfig, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export function describeResult(result: NotificationResult): string {
  return result.kind === 'response' ? `HTTP ${result.status}` : `${result.kind === 'forbidden' ? 'refused' : 'no answer'}: ${result.reason}`;
}
