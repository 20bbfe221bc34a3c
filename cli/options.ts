/**
 * Where the CLI works: DynamoDB Local of `npm start` (`--local`, the default when nothing else is
 * given) or a deployed stack's table (`--table <name>`, with your usual AWS credentials and region).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { initialAccessTokenFile } from '../local/options.js';

export interface Target {
  /** The provider's issuer, for what the CLI hands to devices (the enrollment URI). */
  readonly issuer: string;
  readonly tableName: string;
  readonly endpoint?: string;
  readonly region: string;
  readonly description: string;
}

export function resolveTarget(flags: { local?: boolean; table?: string; region?: string; endpoint?: string; issuer?: string }): Target {
  const region = flags.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  const table = flags.table || process.env.CIBA_TABLE_NAME;
  const issuer = (flags.issuer || process.env.CIBA_ISSUER || `http://localhost:${process.env.PORT || 3000}`).replace(/\/+$/, '');
  if (table && !flags.local) {
    const endpoint = flags.endpoint || process.env.CIBA_DYNAMODB_ENDPOINT || undefined;
    return { issuer, tableName: table, region, ...(endpoint ? { endpoint } : {}), description: `table ${table} (${endpoint ?? region})` };
  }
  const port = process.env.CIBA_DYNAMODB_PORT || '8000';
  const endpoint = flags.endpoint || `http://127.0.0.1:${port}`;
  // DynamoDB Local accepts any credentials; the SDK insists on having some.
  process.env.AWS_ACCESS_KEY_ID ||= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'local';
  return { issuer, tableName: table || 'ciba-local', endpoint, region, description: `local runner (DynamoDB Local at ${endpoint})` };
}

/**
 * The initial access token that dynamic registration asks for (`ciba demo` registers its client with it):
 * --initial-access-token, else CIBA_INITIAL_ACCESS_TOKEN, else the file `npm start` leaves in its data
 * directory (CIBA_DATA_DIR, default .local/).
 */
export function initialAccessToken(flag: string | undefined): { token: string; source: string } | undefined {
  if (flag) return { token: flag, source: '--initial-access-token' };
  const given = process.env.CIBA_INITIAL_ACCESS_TOKEN;
  if (given) return { token: given, source: 'CIBA_INITIAL_ACCESS_TOKEN' };
  const file = initialAccessTokenFile(resolve(process.env.CIBA_DATA_DIR || '.local'));
  try {
    const token = readFileSync(file, 'utf8').trim();
    return token ? { token, source: file } : undefined;
  } catch {
    return undefined;
  }
}
