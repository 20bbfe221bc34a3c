/** OIDC Core §11: who is granted offline_access and gets refresh tokens; how long a new token lives. */
import { describe, expect, it } from 'vitest';
import { checkScope } from '../../../lambdas/core/backchannel/check-scope.js';
import { OAuthError } from '../../../lambdas/core/errors.js';
import { CIBA_GRANT_TYPE, type Client, type ClientMetadata } from '../../../lambdas/core/model.js';
import { grantedOfflineAccess, grantsOfflineAccess, idleExpiry, issuesRefreshToken } from '../../../lambdas/core/token/refresh/refresh-policy.js';

function client(metadata: Partial<ClientMetadata> = {}): Client {
  return {
    clientId: 'client-1',
    createdAt: 0,
    metadata: { grant_types: [CIBA_GRANT_TYPE], token_endpoint_auth_method: 'client_secret_basic', backchannel_token_delivery_mode: 'poll', ...metadata },
  };
}

const refreshing = (metadata: Partial<ClientMetadata> = {}): Client => client({ grant_types: [CIBA_GRANT_TYPE, 'refresh_token'], ...metadata });

function scopeError(scope: string, who: Client): string {
  try {
    checkScope(scope, who);
    return 'accepted';
  } catch (error) {
    return error instanceof OAuthError ? error.error : String(error);
  }
}

describe('offline_access at the backchannel endpoint (checkScope)', () => {
  it('is kept in the granted scope for a client registered for the refresh_token grant', () => {
    expect(checkScope('openid offline_access email', refreshing())).toBe('openid offline_access email');
    expect(checkScope('openid offline_access offline_access', refreshing())).toBe('openid offline_access');
  });

  it('is accepted and dropped for a client without the grant, as OIDC Core §11 allows', () => {
    expect(checkScope('openid offline_access email', client())).toBe('openid email');
  });

  it('is dropped for a refresh client whose registered scope leaves it out, kept when the scope lists it', () => {
    expect(checkScope('openid offline_access email', refreshing({ scope: 'openid email' }))).toBe('openid email');
    expect(checkScope('openid offline_access email', refreshing({ scope: 'email offline_access' }))).toBe('openid offline_access email');
  });

  it('changes nothing else: openid is still required, unknown values still refused', () => {
    expect(scopeError('offline_access', refreshing())).toBe('invalid_scope');
    expect(scopeError('openid offline_access bogus', refreshing())).toBe('invalid_scope');
    expect(scopeError('openid phone', refreshing({ scope: 'openid email offline_access' }))).toBe('invalid_scope');
  });
});

describe('issuing', () => {
  it('needs both the refresh_token grant and offline_access in the granted scope', () => {
    expect(issuesRefreshToken(refreshing(), 'openid offline_access')).toBe(true);
    expect(issuesRefreshToken(refreshing(), 'openid email')).toBe(false);
    expect(issuesRefreshToken(client(), 'openid offline_access')).toBe(false);
    expect(issuesRefreshToken(client({ grant_types: ['refresh_token'] }), 'openid offline_access')).toBe(true);
  });

  it('grantsOfflineAccess follows the registration', () => {
    expect(grantsOfflineAccess(refreshing())).toBe(true);
    expect(grantsOfflineAccess(client())).toBe(false);
    expect(grantsOfflineAccess(refreshing({ scope: 'openid' }))).toBe(false);
  });

  it('grantedOfflineAccess reads whole scope values only', () => {
    expect(grantedOfflineAccess('openid offline_access')).toBe(true);
    expect(grantedOfflineAccess('openid offline_access_x')).toBe(false);
    expect(grantedOfflineAccess('openid')).toBe(false);
  });
});

describe('idle expiry', () => {
  it('is now plus the idle lifetime, never past the grant end', () => {
    expect(idleExpiry(1_000, 100_000, { idleSeconds: 10 })).toBe(11_000);
    expect(idleExpiry(95_000, 100_000, { idleSeconds: 10 })).toBe(100_000);
  });
});
