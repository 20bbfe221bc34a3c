/**
 * The CibaProvider props for the tokens it issues: lifetimes as CDK Durations and the access tokens'
 * default audience. They become the CIBA_* variables lambdas/config.ts reads; each is set only when
 * its prop is given, so that the functions keep their own defaults otherwise.
 */
import type { Duration } from 'aws-cdk-lib';

export interface CibaTokenProps {
  /**
   * How long access tokens live (`CIBA_ACCESS_TOKEN_SECONDS`), 1 minute to 1 day in whole seconds. A
   * client may register a shorter or longer one (`access_token_lifetime`).
   *
   * @default - the functions' default, 10 minutes (lambdas/config.ts)
   */
  readonly accessTokenLifetime?: Duration;
  /**
   * How long ID tokens live (`CIBA_ID_TOKEN_SECONDS`), 1 minute to 1 day in whole seconds.
   *
   * @default - the functions' default, 10 minutes (lambdas/config.ts)
   */
  readonly idTokenLifetime?: Duration;
  /**
   * How long after the user authenticated a grant's refresh tokens are refused, whatever refreshes came
   * (`CIBA_REFRESH_TOKEN_ABSOLUTE_SECONDS`), at most 366 days, in whole seconds.
   *
   * @default - the functions' default, 30 days (lambdas/config.ts)
   */
  readonly refreshTokenAbsoluteLifetime?: Duration;
  /**
   * How long a refresh token may lie unused before it is refused (`CIBA_REFRESH_TOKEN_IDLE_SECONDS`),
   * at most the absolute lifetime, in whole seconds.
   *
   * @default - the functions' default, 7 days (lambdas/config.ts)
   */
  readonly refreshTokenIdleLifetime?: Duration;
  /**
   * The `aud` of access tokens whose request named no `resource` (RFC 8707; `CIBA_ACCESS_TOKEN_AUDIENCE`):
   * absolute URIs without a fragment. Userinfo accepts only tokens whose aud names the issuer or the
   * userinfo endpoint, so keep the issuer in the list if clients call userinfo with these tokens.
   *
   * @default - the issuer
   */
  readonly accessTokenAudience?: string | readonly string[];
}

/** lambdas/config.ts's defaults, for checking an idle lifetime against an absolute one when only one is given. */
const DEFAULT_REFRESH_ABSOLUTE_SECONDS = 30 * 86_400;
const DEFAULT_REFRESH_IDLE_SECONDS = 7 * 86_400;

function wholeSeconds(name: string, duration: Duration | undefined, min: number, max: number): number | undefined {
  if (duration === undefined) return undefined;
  let seconds: number;
  try {
    seconds = duration.toSeconds();
  } catch {
    throw new Error(`CibaProvider: ${name} must be a whole number of seconds`);
  }
  if (seconds < min || seconds > max) throw new Error(`CibaProvider: ${name} must be from ${min} to ${max} seconds, got ${seconds}`);
  return seconds;
}

/**
 * The CIBA_* variables of the token props, checked at synth time: the same bounds as lambdas/config.ts,
 * plus what it cannot see alone, an idle lifetime no longer than the absolute one (a longer one would
 * never apply), and no prop given twice under its old and new name.
 */
export function tokenEnvironment(props: CibaTokenProps & { readonly accessTokenSeconds?: number; readonly idTokenSeconds?: number }): Record<string, string> {
  if (props.accessTokenLifetime !== undefined && props.accessTokenSeconds !== undefined) {
    throw new Error('CibaProvider: accessTokenLifetime and accessTokenSeconds are exclusive');
  }
  if (props.idTokenLifetime !== undefined && props.idTokenSeconds !== undefined) {
    throw new Error('CibaProvider: idTokenLifetime and idTokenSeconds are exclusive');
  }
  const access = wholeSeconds('accessTokenLifetime', props.accessTokenLifetime, 60, 86_400);
  const id = wholeSeconds('idTokenLifetime', props.idTokenLifetime, 60, 86_400);
  const absolute = wholeSeconds('refreshTokenAbsoluteLifetime', props.refreshTokenAbsoluteLifetime, 1, 366 * 86_400);
  const idle = wholeSeconds('refreshTokenIdleLifetime', props.refreshTokenIdleLifetime, 1, 366 * 86_400);
  if ((idle ?? DEFAULT_REFRESH_IDLE_SECONDS) > (absolute ?? DEFAULT_REFRESH_ABSOLUTE_SECONDS)) {
    throw new Error('CibaProvider: refreshTokenIdleLifetime must not exceed refreshTokenAbsoluteLifetime');
  }
  const audience = typeof props.accessTokenAudience === 'string' ? [props.accessTokenAudience] : props.accessTokenAudience;
  if (audience !== undefined && audience.length === 0) throw new Error('CibaProvider: accessTokenAudience must name at least one audience');
  const numbers: Record<string, number | undefined> = {
    CIBA_ACCESS_TOKEN_SECONDS: access,
    CIBA_ID_TOKEN_SECONDS: id,
    CIBA_REFRESH_TOKEN_ABSOLUTE_SECONDS: absolute,
    CIBA_REFRESH_TOKEN_IDLE_SECONDS: idle,
  };
  const environment: Record<string, string> = {};
  for (const [variable, value] of Object.entries(numbers)) if (value !== undefined) environment[variable] = String(value);
  // Checked as an absolute URI list by loadConfig at synth, like every other variable.
  if (audience !== undefined) environment.CIBA_ACCESS_TOKEN_AUDIENCE = audience.join(' ');
  return environment;
}
