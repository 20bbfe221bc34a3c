/**
 * The local runner's settings, read once from the environment, and the environment it gives the
 * Lambda code (which reads it through lambdas/config.ts, exactly as in AWS).
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

export interface LocalOptions {
  readonly port: number;
  readonly host: string;
  readonly issuer: string;
  readonly dataDir: string;
  readonly dynamoDbPort: number;
  readonly tableName: string;
  readonly initialAccessToken: string;
  /** True when the token was generated for this run rather than given. */
  readonly initialAccessTokenGenerated: boolean;
}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new Error(`${name} must be a port number, got ${JSON.stringify(raw)}`);
  return value;
}

export function readLocalOptions(): LocalOptions {
  const listenPort = port('PORT', 3000);
  const given = process.env.CIBA_INITIAL_ACCESS_TOKEN;
  if (given !== undefined && given.length < 16) throw new Error('CIBA_INITIAL_ACCESS_TOKEN must be at least 16 characters');
  return {
    port: listenPort,
    // Loopback only: the local runner is for trying things out, not for serving a network.
    host: process.env.HOST || '127.0.0.1',
    issuer: (process.env.CIBA_ISSUER || `http://localhost:${listenPort}`).replace(/\/+$/, ''),
    dataDir: resolve(process.env.CIBA_DATA_DIR || '.local'),
    dynamoDbPort: port('CIBA_DYNAMODB_PORT', 8000),
    tableName: process.env.CIBA_TABLE_NAME || 'ciba-local',
    initialAccessToken: given || randomBytes(24).toString('base64url'),
    initialAccessTokenGenerated: !given,
  };
}

/**
 * Where `npm start` leaves this run's initial access token, in its data directory (next to the local
 * signing key, readable by you only), so that `npx ciba demo` can register its client without a copy-paste.
 */
export function initialAccessTokenFile(dataDir: string): string {
  return join(dataDir, 'initial-access-token');
}

/** The variables lambdas/config.ts reads, as the CDK construct would set them, for local use. */
export function lambdaEnvironment(options: {
  issuer: string;
  tableName: string;
  dynamoDbEndpoint: string;
  initialAccessToken: string;
}): Record<string, string> {
  return {
    CIBA_ISSUER: options.issuer,
    CIBA_TABLE_NAME: options.tableName,
    CIBA_DYNAMODB_ENDPOINT: options.dynamoDbEndpoint,
    // Signing keys in plain in the (local) table, made by the first request that signs.
    CIBA_SIGNING: 'local',
    CIBA_INITIAL_ACCESS_TOKEN: options.initialAccessToken,
    CIBA_SIMULATOR: 'true',
    CIBA_AUTOMATED_APPROVAL: 'true',
    // Local clients (the conformance kit, your own tests) serve their JWKS on http://localhost.
    CIBA_ALLOW_HTTP_CLIENT_URLS: 'true',
    CIBA_ALLOW_LOOPBACK_NOTIFICATIONS: 'true',
    // Ping and push deliveries go through the local runner's in-process queue (local/workers.ts).
    CIBA_DELIVERY_QUEUE: 'local',
    // Phones are reached through the local stand-in for SNS (the simulator reads its inbox); users
    // without a device are still served, for the automated approval endpoint and the conformance kit.
    CIBA_PUSH: 'local',
    CIBA_ALLOW_DEVICELESS_REQUESTS: 'true',
    // No per-user limits: the conformance kit and the test suites send many requests for the same demo
    // users within a minute (test/integration/user-request-limits.test.ts switches them on).
    CIBA_USER_MAX_PENDING_REQUESTS: '0',
    CIBA_USER_REQUESTS_PER_MINUTE: '0',
    AWS_REGION: 'us-east-1',
    // One compact JSON line per log entry, as in CloudWatch; the metrics' EMF lines would only be noise
    // on a terminal (lambdas/adapters/observability/).
    POWERTOOLS_SERVICE_NAME: 'ciba-local',
    POWERTOOLS_METRICS_DISABLED: 'true',
    // DynamoDB Local accepts any credentials; the SDK insists on having some.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
}

/** Puts the Lambda environment in place before any handler module is loaded. */
export function applyEnvironment(variables: Record<string, string>): void {
  Object.assign(process.env, variables);
}
