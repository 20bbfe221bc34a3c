import type { Config } from '../../config.js';
import { InvalidRequest } from '../errors.js';

/**
 * CIBA Core §7.1 requested_expiry: a positive integer number of seconds. In a form it is a string;
 * inside a signed request it may be a JSON number or a numeric string. Returns the expires_in to use.
 */
export function checkRequestedExpiry(requestedExpiry: string | number | undefined, limits: Config['authRequest']): number {
  if (requestedExpiry === undefined) return limits.defaultExpirySeconds;
  const seconds = typeof requestedExpiry === 'number' ? requestedExpiry : /^\d{1,9}$/.test(requestedExpiry) ? Number(requestedExpiry) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) throw new InvalidRequest('requested_expiry must be a positive integer');
  if (seconds > limits.maxExpirySeconds) {
    throw new InvalidRequest(`requested_expiry must not exceed ${limits.maxExpirySeconds} seconds`);
  }
  return seconds;
}
