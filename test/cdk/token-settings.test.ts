/**
 * The CibaProvider token props (cdk/token-settings.ts): Durations and the default audience become the
 * CIBA_* variables lambdas/config.ts reads, on every function; bad values fail at synth time.
 *
 * Bundling is skipped (no stack is listed in aws:cdk:bundling-stacks): only the environment is under
 * test here, and ciba-provider.test.ts bundles the real functions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CibaProvider } from '../../cdk/ciba-provider.js';

const API = 'https://api.example.com';

let configured: Template;
let unconfigured: Template;

const newStack = (name: string): Stack => new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), name);

beforeAll(() => {
  const stack = newStack('Tokens');
  new CibaProvider(stack, 'Provider', {
    accessTokenLifetime: Duration.minutes(5),
    idTokenLifetime: Duration.minutes(15),
    refreshTokenAbsoluteLifetime: Duration.days(90),
    refreshTokenIdleLifetime: Duration.days(14),
    accessTokenAudience: [API, 'https://id.example.com'],
  });
  configured = Template.fromStack(stack);
  const plain = newStack('Plain');
  new CibaProvider(plain, 'Provider');
  unconfigured = Template.fromStack(plain);
}, 120_000);

describe('token props', () => {
  it('set the lifetimes in whole seconds and the audience on the functions', () => {
    configured.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CIBA_ACCESS_TOKEN_SECONDS: '300',
          CIBA_ID_TOKEN_SECONDS: '900',
          CIBA_REFRESH_TOKEN_ABSOLUTE_SECONDS: String(90 * 86_400),
          CIBA_REFRESH_TOKEN_IDLE_SECONDS: String(14 * 86_400),
          CIBA_ACCESS_TOKEN_AUDIENCE: `${API} https://id.example.com`,
        }),
      },
    });
    // Every function that has an environment has the same token settings.
    const functions = Object.values(configured.findResources('AWS::Lambda::Function')) as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }[];
    const withEnvironment = functions.filter((fn) => fn.Properties.Environment?.Variables?.CIBA_ISSUER !== undefined);
    expect(withEnvironment.length).toBeGreaterThan(5);
    for (const fn of withEnvironment) expect(fn.Properties.Environment?.Variables?.CIBA_ACCESS_TOKEN_SECONDS).toBe('300');
  });

  it('leave the variables unset when not given, so the functions keep their defaults', () => {
    unconfigured.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CIBA_ISSUER: Match.anyValue(), CIBA_ACCESS_TOKEN_SECONDS: Match.absent(), CIBA_ACCESS_TOKEN_AUDIENCE: Match.absent() }) },
    });
    unconfigured.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CIBA_ISSUER: Match.anyValue(), CIBA_REFRESH_TOKEN_IDLE_SECONDS: Match.absent(), CIBA_ID_TOKEN_SECONDS: Match.absent() }) },
    });
  });
});

describe('token props checked at synth time', () => {
  // Rejected before any function is created.
  it.each([
    ['an idle lifetime longer than the absolute one', { refreshTokenAbsoluteLifetime: Duration.days(1), refreshTokenIdleLifetime: Duration.days(2) }, /refreshTokenIdleLifetime/],
    ['an idle lifetime longer than the default absolute one (30 days)', { refreshTokenIdleLifetime: Duration.days(31) }, /refreshTokenIdleLifetime/],
    ['an access token lifetime under a minute', { accessTokenLifetime: Duration.seconds(59) }, /accessTokenLifetime/],
    ['an access token lifetime over a day', { accessTokenLifetime: Duration.hours(25) }, /accessTokenLifetime/],
    ['an ID token lifetime of a fraction of a second', { idTokenLifetime: Duration.millis(60_500) }, /idTokenLifetime/],
    ['an absolute lifetime over 366 days', { refreshTokenAbsoluteLifetime: Duration.days(367) }, /refreshTokenAbsoluteLifetime/],
    ['a relative audience', { accessTokenAudience: 'api' }, /CIBA_ACCESS_TOKEN_AUDIENCE/],
    ['an audience with a fragment', { accessTokenAudience: [`${API}#x`] }, /CIBA_ACCESS_TOKEN_AUDIENCE/],
    ['an empty audience list', { accessTokenAudience: [] }, /accessTokenAudience/],
    ['both accessTokenLifetime and accessTokenSeconds', { accessTokenLifetime: Duration.minutes(5), accessTokenSeconds: 300 }, /exclusive/],
  ])('refuses %s', (_what, props, message) => {
    expect(() => new CibaProvider(newStack('Invalid'), 'Provider', props)).toThrow(message);
  });

  it('accepts an idle lifetime equal to the absolute one', () => {
    expect(() => new CibaProvider(newStack('Equal'), 'Provider', { refreshTokenAbsoluteLifetime: Duration.days(2), refreshTokenIdleLifetime: Duration.hours(48) })).not.toThrow();
  });
});
