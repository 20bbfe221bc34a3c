/**
 * The reference service's settings, read once from the environment when it runs on its own
 * (`npx tsx examples/reference-external-service/server.ts`). The only module of the example that
 * reads process.env, as local/options.ts is for the local runner.
 *
 *   PORT                  default 4000
 *   HOST                  default 127.0.0.1 (the control API is unauthenticated)
 *   SERVICE_URL           the base URL the provider calls: its CIBA_EXTERNAL_SERVICE_URL, and the audience
 *                         of the provider's JWTs. Default http://localhost:{PORT}
 *   SERVICE_USERNAME      with SERVICE_PASSWORD: HTTP Basic is accepted with these credentials
 *   SERVICE_PASSWORD
 *   PROVIDER_ISSUER       the provider's issuer; Bearer JWTs it signs are accepted. Default http://localhost:3000
 *                         (`npm start`); `none` turns JWT authentication off
 *   PROVIDER_JWKS_URL     default {PROVIDER_ISSUER}/jwks
 *   USERS                 comma-separated: `sub` (can be authenticated) or `sub:blocked[:reason]` (known, not
 *                         allowed); or a JSON array of {sub, allowed, reason?}. Default: the local runner's
 *                         demo users jane.doe,demo,John
 *   START_FAILURES        n: the first n start-authentication calls answer 503 (default 0)
 */
import type { ReferenceServiceOptions, ReferenceUser } from './server.js';

const DEFAULT_USERS = 'jane.doe,demo,John';

export class ReferenceServiceConfigurationError extends Error {
  constructor(variable: string, problem: string) {
    super(`reference external service: ${variable} ${problem}`);
    this.name = 'ReferenceServiceConfigurationError';
  }
}

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ReferenceServiceConfigurationError(name, `must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

/** USERS: `a,b:blocked,c:blocked:account frozen`, or a JSON array of {sub, allowed, reason?}. */
export function parseUsers(raw: string): ReferenceUser[] {
  const text = raw.trim();
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ReferenceServiceConfigurationError('USERS', 'is not valid JSON');
    }
    if (!Array.isArray(parsed)) throw new ReferenceServiceConfigurationError('USERS', 'must be a JSON array');
    return parsed.map((entry: unknown) => {
      const { sub, allowed, reason } = (entry ?? {}) as { sub?: unknown; allowed?: unknown; reason?: unknown };
      if (typeof sub !== 'string' || sub === '') throw new ReferenceServiceConfigurationError('USERS', 'entries need a sub');
      if (allowed !== undefined && typeof allowed !== 'boolean') throw new ReferenceServiceConfigurationError('USERS', `${sub}: allowed must be a boolean`);
      if (reason !== undefined && typeof reason !== 'string') throw new ReferenceServiceConfigurationError('USERS', `${sub}: reason must be a string`);
      return { sub, allowed: allowed ?? true, ...(reason !== undefined ? { reason } : {}) };
    });
  }
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [sub = '', flag, ...reason] = entry.split(':');
      if (flag === undefined) return { sub, allowed: true };
      if (flag !== 'blocked' || sub === '') throw new ReferenceServiceConfigurationError('USERS', `entry ${JSON.stringify(entry)} must be sub or sub:blocked[:reason]`);
      return { sub, allowed: false, reason: reason.length > 0 ? reason.join(':') : 'account blocked' };
    });
}

export function readReferenceServiceOptions(): ReferenceServiceOptions & { port: number; host: string; publicUrl: string } {
  const port = integer('PORT', 4000, 1, 65_535);
  const host = process.env.HOST || '127.0.0.1';
  const publicUrl = (process.env.SERVICE_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ReferenceServiceConfigurationError('SERVICE_URL', `must be a URL, got ${JSON.stringify(publicUrl)}`);
  }

  const username = process.env.SERVICE_USERNAME;
  const password = process.env.SERVICE_PASSWORD;
  if (Boolean(username) !== Boolean(password)) throw new ReferenceServiceConfigurationError('SERVICE_USERNAME', 'and SERVICE_PASSWORD go together');
  if (username?.includes(':')) throw new ReferenceServiceConfigurationError('SERVICE_USERNAME', 'must not contain a colon (RFC 7617)');

  const issuerSetting = process.env.PROVIDER_ISSUER || 'http://localhost:3000';
  const issuer = issuerSetting === 'none' ? undefined : issuerSetting.replace(/\/+$/, '');
  if (!issuer && !username) throw new ReferenceServiceConfigurationError('PROVIDER_ISSUER', 'is none and no SERVICE_USERNAME is set: nothing could authenticate the provider');
  const jwksUrl = process.env.PROVIDER_JWKS_URL || undefined;

  return {
    port,
    host,
    publicUrl,
    users: parseUsers(process.env.USERS ?? DEFAULT_USERS),
    ...(username && password ? { basic: { username, password } } : {}),
    ...(issuer ? { jwt: { issuer, audience: publicUrl, ...(jwksUrl ? { jwksUrl } : {}) } } : {}),
    startFailures: integer('START_FAILURES', 0, 0, 1000),
  };
}
