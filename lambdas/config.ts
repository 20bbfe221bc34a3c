/**
 * The provider's configuration, read once from the environment and typed.
 *
 * This is the only module of the Lambda code that reads `process.env` (lint enforces it). A missing or
 * malformed variable fails at cold start with the variable's name, never later inside a request.
 * The CDK construct sets these variables; the local runner sets them before it loads any handler.
 * The README's "Configuration" section lists them all.
 */

export type DeliveryMode = 'poll' | 'ping' | 'push';

export type SigningConfig =
  /** Deployed: an asymmetric KMS key; the private key never leaves KMS. */
  | { readonly kind: 'kms'; readonly keyId: string }
  /** Local runner and tests: a P-256 key persisted in a file outside version control. */
  | { readonly kind: 'local'; readonly keyFile: string };

export type InitialAccessTokenConfig =
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'secret'; readonly secretId: string };

/**
 * What an acr value means here (ForgeRock maps acr values to authentication trees; this provider maps
 * them to how the user is reached and verified).
 */
export interface AcrPolicy {
  /**
   * Who authenticates the user: `device`, an enrolled authentication device (the phone app, or the
   * simulator); `external`, the operator's authentication service (docs/external-service.md).
   */
  readonly channel: 'device' | 'external';
  /** `required`: an approval must report how the user was verified (amr pin, fpt, face ...). */
  readonly userVerification: 'required' | 'optional';
}

/** How ping and push notifications are delivered (CIBA Core §10.2, §10.3). */
export interface DeliveryConfig {
  /** Where delivery jobs wait: an SQS queue when deployed, the local runner's in-process queue locally. */
  readonly queue?: { readonly kind: 'sqs'; readonly url: string } | { readonly kind: 'local' };
  /** Attempts per notification before it lands in the dead letters (the first one included). */
  readonly maxAttempts: number;
  /** Backoff: attempt n waits a random time up to min(maxDelayMs, baseDelayMs * 2^n) (full jitter). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** One timeout for connecting to the client's endpoint and getting its answer. */
  readonly timeoutMs: number;
  /** The local runner only: notification endpoints on loopback addresses (the conformance kit's receiver). */
  readonly allowLoopback: boolean;
}

/** How phones are reached: SNS mobile push when deployed, the local runner's stand-in locally. */
export type PushConfig =
  | { readonly kind: 'sns'; readonly platformApplications: Readonly<Partial<Record<'APNS' | 'APNS_SANDBOX' | 'FCM', string>>> }
  | { readonly kind: 'local' };

/** The operator's external authentication service (the SecureAuth / Keycloak HTTP channel way). */
export interface ExternalServiceConfig {
  /** Base URL; the provider calls {url}/verify-user and {url}/start-authentication. */
  readonly url: string;
  /** How the provider authenticates to it: HTTP Basic, or a JWT it signs with its own key. */
  readonly auth:
    | { readonly kind: 'basic'; readonly username: string; readonly password: string }
    | { readonly kind: 'basicSecret'; readonly secretId: string }
    | { readonly kind: 'jwt' };
  readonly timeoutMs: number;
  /** The name operators see in logs and metrics. */
  readonly name: string;
}

export interface Config {
  /** The issuer identifier; every endpoint URL is this plus its path. */
  readonly issuer: string;
  /** The AWS region of the table, key and secret. */
  readonly region: string;
  readonly table: { readonly name: string; readonly endpoint?: string };
  readonly signing: SigningConfig;
  /** Protects dynamic registration (RFC 7591 §3, initial access token). Unset: registration is refused. */
  readonly initialAccessToken?: InitialAccessTokenConfig;
  readonly features: { readonly simulator: boolean; readonly automatedApproval: boolean };
  /** The delivery modes this deployment offers (CIBA Core §5); discovery lists exactly these. */
  readonly deliveryModes: readonly DeliveryMode[];
  readonly delivery: DeliveryConfig;
  /** Unset: devices enroll without push and poll the device API. */
  readonly push?: PushConfig;
  /**
   * Test deployments only (the local runner, conformance runs): accept requests for users with no
   * reachable device, to be decided by the automated approval endpoint.
   */
  readonly allowDevicelessRequests: boolean;
  /** The external authentication service, for acr values whose channel is `external`. */
  readonly externalService?: ExternalServiceConfig;
  readonly authRequest: {
    /** expires_in when the client sends no requested_expiry. */
    readonly defaultExpirySeconds: number;
    /** The largest requested_expiry accepted. */
    readonly maxExpirySeconds: number;
    /** The polling interval returned to clients (CIBA Core §7.3, default 5). */
    readonly pollIntervalSeconds: number;
    /** How long an expired request is kept so that a late poll still gets expired_token. */
    readonly expiredRetentionSeconds: number;
  };
  readonly tokens: { readonly accessTokenSeconds: number; readonly idTokenSeconds: number };
  /**
   * Refresh tokens (RFC 6749 §6): a grant's tokens are refused `absoluteSeconds` after the user
   * authenticated, and each refresh token once it has lain unused for `idleSeconds`.
   */
  readonly refreshTokens: { readonly absoluteSeconds: number; readonly idleSeconds: number };
  /** acr values this deployment can satisfy, in order of preference (the keys of acrPolicies). */
  readonly acrValues: readonly string[];
  readonly acrPolicies: Readonly<Record<string, AcrPolicy>>;
  /** The acr applied when a client asks for none; without it such tokens carry no acr. */
  readonly defaultAcr?: string;
  /** How long a warm function trusts a client record it has read (README, "Configuration"). */
  readonly clientCacheSeconds: number;
  /** The CIBA profile of clients that register without naming one: `core`, or `fapi` for FAPI-CIBA. */
  readonly defaultProfile: 'core' | 'fapi';
  /** Whether clients may register plain-http URLs (jwks_uri, notification endpoint): the local runner only. */
  readonly allowHttpClientUrls: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

export class ConfigurationError extends Error {
  constructor(variable: string, problem: string) {
    super(`configuration: ${variable} ${problem}`);
    this.name = 'ConfigurationError';
  }
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigurationError(name, 'is required');
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigurationError(name, `must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigurationError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'false' || raw === 'off') return false;
  if (raw === 'true' || raw === 'on') return true;
  throw new ConfigurationError(name, `must be true or false, got ${JSON.stringify(raw)}`);
}

function list(env: Env, name: string, fallback: readonly string[]): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [...fallback];
  return raw.split(/[\s,]+/).filter(Boolean);
}

function issuerUrl(env: Env): string {
  const raw = required(env, 'CIBA_ISSUER');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError('CIBA_ISSUER', `must be a URL, got ${JSON.stringify(raw)}`);
  }
  if (url.search || url.hash) throw new ConfigurationError('CIBA_ISSUER', 'must not have a query or fragment (OIDC Discovery §3)');
  // Endpoint URLs are issuer + path: keep one spelling, without a trailing slash.
  return raw.replace(/\/+$/, '');
}

function signing(env: Env): SigningConfig {
  const kind = env.CIBA_SIGNING ?? 'kms';
  if (kind === 'kms') return { kind, keyId: required(env, 'CIBA_KMS_KEY_ID') };
  if (kind === 'local') return { kind, keyFile: required(env, 'CIBA_LOCAL_KEY_FILE') };
  throw new ConfigurationError('CIBA_SIGNING', `must be kms or local, got ${JSON.stringify(kind)}`);
}

function initialAccessToken(env: Env): InitialAccessTokenConfig | undefined {
  const value = env.CIBA_INITIAL_ACCESS_TOKEN;
  const secretId = env.CIBA_INITIAL_ACCESS_TOKEN_SECRET;
  if (value && secretId) {
    throw new ConfigurationError('CIBA_INITIAL_ACCESS_TOKEN', 'and CIBA_INITIAL_ACCESS_TOKEN_SECRET are exclusive');
  }
  if (value) {
    if (value.length < 16) throw new ConfigurationError('CIBA_INITIAL_ACCESS_TOKEN', 'must be at least 16 characters');
    return { kind: 'value', value };
  }
  if (secretId) return { kind: 'secret', secretId };
  return undefined;
}

function deliveryModes(env: Env): DeliveryMode[] {
  const modes = list(env, 'CIBA_DELIVERY_MODES', ['poll', 'ping', 'push']);
  for (const mode of modes) {
    if (mode !== 'poll' && mode !== 'ping' && mode !== 'push') throw new ConfigurationError('CIBA_DELIVERY_MODES', `must list poll, ping or push, got ${JSON.stringify(mode)}`);
  }
  if (modes.length === 0) throw new ConfigurationError('CIBA_DELIVERY_MODES', 'must offer at least one mode');
  return [...new Set(modes)] as DeliveryMode[];
}

function delivery(env: Env): DeliveryConfig {
  const url = env.CIBA_DELIVERY_QUEUE_URL || undefined;
  const local = env.CIBA_DELIVERY_QUEUE === 'local';
  if (url && local) throw new ConfigurationError('CIBA_DELIVERY_QUEUE_URL', 'and CIBA_DELIVERY_QUEUE=local are exclusive');
  const baseDelayMs = integer(env, 'CIBA_DELIVERY_BASE_DELAY_MS', 1000, 1, 60_000);
  const maxDelayMs = integer(env, 'CIBA_DELIVERY_MAX_DELAY_MS', 120_000, 1, 900_000);
  if (baseDelayMs > maxDelayMs) throw new ConfigurationError('CIBA_DELIVERY_BASE_DELAY_MS', 'must not exceed CIBA_DELIVERY_MAX_DELAY_MS');
  return {
    ...(url ? { queue: { kind: 'sqs' as const, url } } : local ? { queue: { kind: 'local' as const } } : {}),
    maxAttempts: integer(env, 'CIBA_DELIVERY_MAX_ATTEMPTS', 8, 1, 20),
    baseDelayMs,
    maxDelayMs,
    timeoutMs: integer(env, 'CIBA_DELIVERY_TIMEOUT_MS', 5000, 100, 30_000),
    allowLoopback: flag(env, 'CIBA_ALLOW_LOOPBACK_NOTIFICATIONS'),
  };
}

function acr(env: Env): Pick<Config, 'acrValues' | 'acrPolicies' | 'defaultAcr'> {
  let policies: Record<string, AcrPolicy>;
  if (env.CIBA_ACR_POLICIES) {
    if (env.CIBA_ACR_VALUES) throw new ConfigurationError('CIBA_ACR_POLICIES', 'and CIBA_ACR_VALUES are exclusive');
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.CIBA_ACR_POLICIES);
    } catch {
      throw new ConfigurationError('CIBA_ACR_POLICIES', 'must be a JSON object');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigurationError('CIBA_ACR_POLICIES', 'must be a JSON object');
    policies = {};
    for (const [value, policy] of Object.entries(parsed as Record<string, Partial<AcrPolicy>>)) {
      const channel = policy?.channel ?? 'device';
      const userVerification = policy?.userVerification ?? 'optional';
      if (channel !== 'device' && channel !== 'external') throw new ConfigurationError('CIBA_ACR_POLICIES', `${value}: channel must be device or external`);
      if (userVerification !== 'required' && userVerification !== 'optional') {
        throw new ConfigurationError('CIBA_ACR_POLICIES', `${value}: userVerification must be required or optional`);
      }
      policies[value] = { channel, userVerification };
    }
  } else {
    policies = Object.fromEntries(list(env, 'CIBA_ACR_VALUES', ['ciba', 'push']).map((value) => [value, { channel: 'device', userVerification: 'optional' } as const]));
  }
  const defaultAcr = env.CIBA_DEFAULT_ACR || undefined;
  if (defaultAcr !== undefined && !(defaultAcr in policies)) throw new ConfigurationError('CIBA_DEFAULT_ACR', `must be one of ${Object.keys(policies).join(', ')}`);
  return { acrValues: Object.keys(policies), acrPolicies: policies, ...(defaultAcr !== undefined ? { defaultAcr } : {}) };
}

function push(env: Env): PushConfig | undefined {
  const kind = env.CIBA_PUSH;
  if (kind === undefined || kind === '') return undefined;
  if (kind === 'local') return { kind };
  if (kind !== 'sns') throw new ConfigurationError('CIBA_PUSH', `must be sns or local, got ${JSON.stringify(kind)}`);
  const platformApplications = {
    ...(env.CIBA_SNS_APNS_APPLICATION_ARN ? { APNS: env.CIBA_SNS_APNS_APPLICATION_ARN } : {}),
    ...(env.CIBA_SNS_APNS_SANDBOX_APPLICATION_ARN ? { APNS_SANDBOX: env.CIBA_SNS_APNS_SANDBOX_APPLICATION_ARN } : {}),
    ...(env.CIBA_SNS_FCM_APPLICATION_ARN ? { FCM: env.CIBA_SNS_FCM_APPLICATION_ARN } : {}),
  };
  if (Object.keys(platformApplications).length === 0) {
    throw new ConfigurationError('CIBA_SNS_FCM_APPLICATION_ARN', 'or an APNS application ARN is required with CIBA_PUSH=sns');
  }
  return { kind, platformApplications };
}

function externalService(env: Env): ExternalServiceConfig | undefined {
  const url = env.CIBA_EXTERNAL_SERVICE_URL;
  if (!url) return undefined;
  try {
    new URL(url);
  } catch {
    throw new ConfigurationError('CIBA_EXTERNAL_SERVICE_URL', `must be a URL, got ${JSON.stringify(url)}`);
  }
  const kind = env.CIBA_EXTERNAL_SERVICE_AUTH || 'basic';
  let auth: ExternalServiceConfig['auth'];
  if (kind === 'jwt') auth = { kind };
  else if (kind !== 'basic') throw new ConfigurationError('CIBA_EXTERNAL_SERVICE_AUTH', `must be basic or jwt, got ${JSON.stringify(kind)}`);
  else if (env.CIBA_EXTERNAL_SERVICE_SECRET) auth = { kind: 'basicSecret', secretId: env.CIBA_EXTERNAL_SERVICE_SECRET };
  else auth = { kind: 'basic', username: required(env, 'CIBA_EXTERNAL_SERVICE_USERNAME'), password: required(env, 'CIBA_EXTERNAL_SERVICE_PASSWORD') };
  return {
    url: url.replace(/\/+$/, ''),
    auth,
    timeoutMs: integer(env, 'CIBA_EXTERNAL_SERVICE_TIMEOUT_MS', 3000, 100, 10_000),
    name: env.CIBA_EXTERNAL_SERVICE_NAME || new URL(url).host,
  };
}

function profile(env: Env): 'core' | 'fapi' {
  const value = env.CIBA_DEFAULT_PROFILE || 'core';
  if (value !== 'core' && value !== 'fapi') throw new ConfigurationError('CIBA_DEFAULT_PROFILE', `must be core or fapi, got ${JSON.stringify(value)}`);
  return value;
}

export function loadConfig(env: Env): Config {
  const defaultExpirySeconds = integer(env, 'CIBA_DEFAULT_EXPIRY_SECONDS', 300, 1, 86_400);
  const maxExpirySeconds = integer(env, 'CIBA_MAX_EXPIRY_SECONDS', 1800, 1, 86_400);
  if (defaultExpirySeconds > maxExpirySeconds) {
    throw new ConfigurationError('CIBA_DEFAULT_EXPIRY_SECONDS', `must not exceed CIBA_MAX_EXPIRY_SECONDS (${maxExpirySeconds})`);
  }
  const endpoint = env.CIBA_DYNAMODB_ENDPOINT || undefined;
  return {
    issuer: issuerUrl(env),
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    table: { name: required(env, 'CIBA_TABLE_NAME'), ...(endpoint ? { endpoint } : {}) },
    signing: signing(env),
    initialAccessToken: initialAccessToken(env),
    features: { simulator: flag(env, 'CIBA_SIMULATOR'), automatedApproval: flag(env, 'CIBA_AUTOMATED_APPROVAL') },
    deliveryModes: deliveryModes(env),
    delivery: delivery(env),
    ...(push(env) ? { push: push(env) } : {}),
    allowDevicelessRequests: flag(env, 'CIBA_ALLOW_DEVICELESS_REQUESTS'),
    ...(externalService(env) ? { externalService: externalService(env) } : {}),
    authRequest: {
      defaultExpirySeconds,
      maxExpirySeconds,
      pollIntervalSeconds: integer(env, 'CIBA_POLL_INTERVAL_SECONDS', 5, 1, 60),
      expiredRetentionSeconds: integer(env, 'CIBA_EXPIRED_RETENTION_SECONDS', 86_400, 60, 30 * 86_400),
    },
    tokens: {
      accessTokenSeconds: integer(env, 'CIBA_ACCESS_TOKEN_SECONDS', 600, 60, 86_400),
      idTokenSeconds: integer(env, 'CIBA_ID_TOKEN_SECONDS', 600, 60, 86_400),
    },
    refreshTokens: {
      absoluteSeconds: integer(env, 'CIBA_REFRESH_TOKEN_ABSOLUTE_SECONDS', 30 * 86_400, 1, 366 * 86_400),
      idleSeconds: integer(env, 'CIBA_REFRESH_TOKEN_IDLE_SECONDS', 7 * 86_400, 1, 366 * 86_400),
    },
    ...acr(env),
    clientCacheSeconds: integer(env, 'CIBA_CLIENT_CACHE_SECONDS', 60, 0, 3600),
    defaultProfile: profile(env),
    allowHttpClientUrls: flag(env, 'CIBA_ALLOW_HTTP_CLIENT_URLS'),
  };
}

let loaded: Config | undefined;

/** The configuration of this process, read on first use. */
export function config(): Config {
  loaded ??= loadConfig(process.env);
  return loaded;
}

// ---------------------------------------------------------------------------------------------
// Observability (lambdas/adapters/observability/). Read apart from `config()`: every function logs,
// the custom resource handler too, and it has none of the CIBA_* variables.
//
// Powertools for AWS Lambda reads its own variables as well, which this module does not repeat:
// POWERTOOLS_LOG_LEVEL / AWS_LAMBDA_LOG_LEVEL / LOG_LEVEL (the log level), POWERTOOLS_DEV (pretty
// logs, metrics off), POWERTOOLS_METRICS_DISABLED, POWERTOOLS_LOGGER_SAMPLE_RATE. What is read here
// is what the provider decides differently from Powertools' defaults.

export interface ObservabilityConfig {
  /** The `service` of every log line and metric (POWERTOOLS_SERVICE_NAME). */
  readonly serviceName: string;
  /** The CloudWatch metrics namespace (POWERTOOLS_METRICS_NAMESPACE); alarms are written against `CIBA`. */
  readonly metricsNamespace: string;
  /**
   * Whether to load the Powertools Tracer: only in Lambda, and only when POWERTOOLS_TRACE_ENABLED is
   * `true` (the construct's `detailedTracing`). Powertools' own default is on; the provider's is off,
   * because the tracer brings aws-xray-sdk-core into every cold start.
   */
  readonly tracing: boolean;
}

export function loadObservabilityConfig(env: Env): ObservabilityConfig {
  return {
    serviceName: env.POWERTOOLS_SERVICE_NAME || 'ciba',
    metricsNamespace: env.POWERTOOLS_METRICS_NAMESPACE || 'CIBA',
    tracing: flag(env, 'POWERTOOLS_TRACE_ENABLED') && Boolean(env.AWS_LAMBDA_FUNCTION_NAME),
  };
}

let observability: ObservabilityConfig | undefined;

/** The observability settings of this process, read on first use. */
export function observabilityConfig(): ObservabilityConfig {
  observability ??= loadObservabilityConfig(process.env);
  return observability;
}
