/** RFC 6749 §6, RFC 9700 §4.14.2: what a presented refresh token gets, and how far a refresh may narrow the scope. */
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../../lambdas/core/errors.js';
import type { RefreshToken } from '../../../lambdas/core/ports.js';
import { judgeRefreshToken, narrowScope } from '../../../lambdas/core/token/refresh/judge-refresh-token.js';

const T0 = 1_700_000_000_000;

function token(overrides: Partial<RefreshToken> = {}): RefreshToken {
  return {
    tokenHash: 'hash',
    grantId: 'grant-1',
    clientId: 'client-1',
    sub: 'jane.doe',
    scope: 'openid email offline_access',
    authTime: T0,
    issuedAt: T0,
    absoluteExpiresAt: T0 + 30_000,
    idleExpiresAt: T0 + 10_000,
    status: 'active',
    ...overrides,
  };
}

function narrowed(requested: string | undefined, granted = 'openid email offline_access'): string {
  try {
    return narrowScope(requested, granted);
  } catch (error) {
    return error instanceof OAuthError ? error.error : String(error);
  }
}

describe('judgeRefreshToken', () => {
  it('finds an active, unexpired token of the presenting client usable', () => {
    expect(judgeRefreshToken(token(), 'client-1', T0 + 9_999)).toBe('usable');
  });

  it('treats a missing token and another client’s token alike: unknown', () => {
    expect(judgeRefreshToken(undefined, 'client-1', T0)).toBe('unknown');
    expect(judgeRefreshToken(token(), 'client-2', T0)).toBe('unknown');
    // Another client presenting a used token detects nothing: it must not be able to revoke the owner's grant.
    expect(judgeRefreshToken(token({ status: 'used' }), 'client-2', T0)).toBe('unknown');
  });

  it('recognises a used token as reuse, even past its lifetimes', () => {
    expect(judgeRefreshToken(token({ status: 'used' }), 'client-1', T0)).toBe('reused');
    expect(judgeRefreshToken(token({ status: 'used' }), 'client-1', T0 + 60_000)).toBe('reused');
  });

  it('refuses a revoked token, an idle one and one past the grant end', () => {
    expect(judgeRefreshToken(token({ status: 'revoked' }), 'client-1', T0)).toBe('dead');
    expect(judgeRefreshToken(token(), 'client-1', T0 + 10_000)).toBe('dead');
    expect(judgeRefreshToken(token({ idleExpiresAt: T0 + 50_000 }), 'client-1', T0 + 30_000)).toBe('dead');
  });
});

describe('narrowScope', () => {
  it('is the granted scope when none is asked for', () => {
    expect(narrowed(undefined)).toBe('openid email offline_access');
  });

  it('allows any subset, in the order asked, duplicates dropped', () => {
    expect(narrowed('email openid')).toBe('email openid');
    expect(narrowed('openid openid')).toBe('openid');
    expect(narrowed('email')).toBe('email');
  });

  it('refuses widening and malformed scopes with invalid_scope', () => {
    expect(narrowed('openid phone')).toBe('invalid_scope');
    expect(narrowed('')).toBe('invalid_scope');
    expect(narrowed('openid  email')).toBe('invalid_scope');
    expect(narrowed('openid "email"')).toBe('invalid_scope');
  });
});
