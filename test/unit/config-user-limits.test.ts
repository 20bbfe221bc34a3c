/**
 * CIBA_USER_MAX_PENDING_REQUESTS and CIBA_USER_REQUESTS_PER_MINUTE (lambdas/config.ts): their defaults,
 * 0 for no limit, and a clear error naming the variable otherwise.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from '../../lambdas/config.js';

const base = { CIBA_ISSUER: 'https://ciba.test', CIBA_TABLE_NAME: 't', CIBA_SIGNING: 'local', CIBA_LOCAL_KEY_FILE: '/nonexistent' };

describe('per-user request limits', () => {
  it('default to 5 pending and 5 per minute', () => {
    expect(loadConfig(base).userLimits).toEqual({ maxPendingRequests: 5, requestsPerMinute: 5 });
  });

  it('take 0 as no limit', () => {
    expect(loadConfig({ ...base, CIBA_USER_MAX_PENDING_REQUESTS: '0', CIBA_USER_REQUESTS_PER_MINUTE: '0' }).userLimits).toEqual({ maxPendingRequests: 0, requestsPerMinute: 0 });
  });

  it('refuse more than 100 pending (one BatchGetItem reads them) and anything not a whole number, naming the variable', () => {
    expect(() => loadConfig({ ...base, CIBA_USER_MAX_PENDING_REQUESTS: '101' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ ...base, CIBA_USER_MAX_PENDING_REQUESTS: '101' })).toThrow(/CIBA_USER_MAX_PENDING_REQUESTS/);
    expect(() => loadConfig({ ...base, CIBA_USER_REQUESTS_PER_MINUTE: '-1' })).toThrow(/CIBA_USER_REQUESTS_PER_MINUTE/);
    expect(() => loadConfig({ ...base, CIBA_USER_REQUESTS_PER_MINUTE: 'five' })).toThrow(/CIBA_USER_REQUESTS_PER_MINUTE/);
  });
});
