/** CIBA Core §7.1 requested_expiry: a form string, or inside a signed request a JSON number. */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../lambdas/config.js';
import { checkRequestedExpiry } from '../../../lambdas/core/backchannel/check-requested-expiry.js';
import { OAuthError } from '../../../lambdas/core/errors.js';

const limits: Config['authRequest'] = { defaultExpirySeconds: 300, maxExpirySeconds: 1800, pollIntervalSeconds: 5, expiredRetentionSeconds: 86_400 };

function refusal(value: string | number): string | undefined {
  try {
    checkRequestedExpiry(value, limits);
    return undefined;
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return error.error;
  }
}

describe('checkRequestedExpiry', () => {
  it('uses the default when the client asks for nothing', () => {
    expect(checkRequestedExpiry(undefined, limits)).toBe(300);
  });

  it('accepts a positive integer as a string (form) and as a JSON number (signed request)', () => {
    expect(checkRequestedExpiry('120', limits)).toBe(120);
    expect(checkRequestedExpiry(120, limits)).toBe(120);
    expect(checkRequestedExpiry('1', limits)).toBe(1);
    expect(checkRequestedExpiry(1, limits)).toBe(1);
  });

  it('accepts the maximum and refuses one second more, in both forms', () => {
    expect(checkRequestedExpiry('1800', limits)).toBe(1800);
    expect(checkRequestedExpiry(1800, limits)).toBe(1800);
    expect(refusal('1801')).toBe('invalid_request');
    expect(refusal(1801)).toBe('invalid_request');
  });

  it.each(['0', '-1', '+60', '1.5', '60.0', '1e3', ' 60', '60 ', '0x10', 'sixty', '', '9999999999', '٣٠'])(
    'refuses the string %j: invalid_request',
    (value) => {
      expect(refusal(value)).toBe('invalid_request');
    },
  );

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 2])('refuses the number %s: invalid_request', (value) => {
    expect(refusal(value)).toBe('invalid_request');
  });
});
