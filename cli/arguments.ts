/**
 * The command line: options are only the names below; everything else is an argument.
 */
import { parseArgs } from 'node:util';

export const OPTIONS = {
  local: { type: 'boolean' },
  table: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  json: { type: 'boolean' },
  name: { type: 'string' },
  'auth-method': { type: 'string' },
  mode: { type: 'string' },
  scope: { type: 'string' },
  metadata: { type: 'string' },
  sub: { type: 'string' },
  email: { type: 'string' },
  phone: { type: 'string' },
  certificate: { type: 'string' },
  kid: { type: 'string' },
  alg: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  all: { type: 'boolean' },
  issuer: { type: 'string' },
  // demo
  user: { type: 'string' },
  'initial-access-token': { type: 'string' },
  'auto-approve': { type: 'boolean' },
  'auto-deny': { type: 'boolean' },
  force: { type: 'boolean' },
  compromised: { type: 'boolean' },
} as const;

export type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

export interface CommandLine {
  readonly flags: Flags;
  readonly positionals: readonly string[];
}

/**
 * Ids are random base64url, and one in 64 starts with "-": `ciba requests show -bXYZ...` must show that
 * request, not fail on option -b. So only the known option names are options, and `--` ends them.
 */
function splitArguments(argv: readonly string[]): { options: string[]; positionals: string[] } {
  const options: string[] = [];
  const positionals: string[] = [];
  const known = new Map<string, { type: string }>(
    Object.entries(OPTIONS).flatMap(([name, spec]) => [[`--${name}`, spec], ...('short' in spec ? [[`-${spec.short}`, spec] as [string, { type: string }]] : [])]),
  );
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    const spec = known.get(token.split('=')[0] as string);
    if (!spec) {
      positionals.push(token);
      continue;
    }
    options.push(token);
    if (spec.type === 'string' && !token.includes('=') && i + 1 < argv.length) options.push(argv[++i] as string);
  }
  return { options, positionals };
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const split = splitArguments(argv);
  return { flags: parseArgs({ args: split.options, options: OPTIONS }).values, positionals: split.positionals };
}
