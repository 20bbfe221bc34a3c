/** Resource indicators (RFC 8707 §2, §2.2) and the configured default audience (CIBA_ACCESS_TOKEN_AUDIENCE). */
import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from '../../lambdas/config.js';
import { OAuthError } from '../../lambdas/core/errors.js';
import { checkResources, isResourceIndicator, MAX_RESOURCE_LENGTH } from '../../lambdas/core/resource-indicators/check-resources.js';
import { audienceOf, narrowResources } from '../../lambdas/core/resource-indicators/narrow-resources.js';

const ISSUER = 'https://op.example.com';
const BASE = { CIBA_ISSUER: ISSUER, CIBA_TABLE_NAME: 'table', CIBA_SIGNING: 'local', CIBA_LOCAL_KEY_FILE: '/tmp/key.json' };

function errorCode(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return error.error;
  }
}

describe('isResourceIndicator', () => {
  it.each(['https://api.example.com', 'https://api.example.com/v1?x=1', 'urn:example:ledger', 'http://localhost:8080/'])('accepts %s', (value) => {
    expect(isResourceIndicator(value)).toBe(true);
  });

  it.each(['/relative', 'api.example.com', '//api.example.com', 'https://api.example.com/#', 'https://a.example/#frag', '', 'https://a b.example', 'https://a.example/\t', '1http://x'])(
    'refuses %j',
    (value) => {
      expect(isResourceIndicator(value)).toBe(false);
    },
  );

  it(`refuses one longer than ${MAX_RESOURCE_LENGTH} characters`, () => {
    const prefix = 'https://a.example/';
    expect(isResourceIndicator(prefix + 'x'.repeat(MAX_RESOURCE_LENGTH - prefix.length))).toBe(true);
    expect(isResourceIndicator(prefix + 'x'.repeat(MAX_RESOURCE_LENGTH - prefix.length + 1))).toBe(false);
  });
});

describe('checkResources and narrowResources', () => {
  it('drops repeats and keeps the order; none means undefined', () => {
    expect(checkResources(['urn:b', 'urn:a', 'urn:b'])).toEqual(['urn:b', 'urn:a']);
    expect(checkResources([])).toBeUndefined();
    expect(checkResources(undefined)).toBeUndefined();
    expect(errorCode(() => checkResources(['urn:a', 'relative']))).toBe('invalid_target');
  });

  it('narrows to requested resources only; without a request, to the default audience', () => {
    expect(narrowResources([], ['urn:a', 'urn:b'], [ISSUER])).toEqual(['urn:a', 'urn:b']);
    expect(narrowResources(['urn:b'], ['urn:a', 'urn:b'], [ISSUER])).toEqual(['urn:b']);
    expect(narrowResources([], undefined, [ISSUER])).toBeUndefined();
    expect(narrowResources([ISSUER], undefined, [ISSUER])).toEqual([ISSUER]);
    expect(errorCode(() => narrowResources(['urn:c'], ['urn:a'], [ISSUER]))).toBe('invalid_target');
    expect(errorCode(() => narrowResources(['urn:a'], undefined, [ISSUER]))).toBe('invalid_target');
  });

  it('aud is a string for one resource, an array for several', () => {
    expect(audienceOf(['urn:a'])).toBe('urn:a');
    expect(audienceOf(['urn:a', 'urn:b'])).toEqual(['urn:a', 'urn:b']);
  });
});

describe('CIBA_ACCESS_TOKEN_AUDIENCE', () => {
  it('defaults to the issuer', () => {
    expect(loadConfig(BASE).tokens.accessTokenAudience).toEqual([ISSUER]);
  });

  it('reads a space- or comma-separated list', () => {
    expect(loadConfig({ ...BASE, CIBA_ACCESS_TOKEN_AUDIENCE: 'https://api.example.com, urn:x' }).tokens.accessTokenAudience).toEqual(['https://api.example.com', 'urn:x']);
  });

  it.each(['relative/path', 'https://api.example.com/#x', ','])('refuses %j, naming the variable', (value) => {
    expect(() => loadConfig({ ...BASE, CIBA_ACCESS_TOKEN_AUDIENCE: value })).toThrow(ConfigurationError);
    expect(() => loadConfig({ ...BASE, CIBA_ACCESS_TOKEN_AUDIENCE: value })).toThrow(/CIBA_ACCESS_TOKEN_AUDIENCE/);
  });
});
