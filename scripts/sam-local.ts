/**
 * Prepares `sam local start-api` for the synthesized stack (docs/sam-local.md):
 *
 *   npm run sam-local [-- --stack CibaProvider --port 3001 --table ciba-local \
 *                        --dynamodb-endpoint http://host.docker.internal:8000 -c simulator=true ...]
 *
 * 1. `cdk synth` into sam-local/cdk.out, a cloud assembly of its own, so that a local session never
 *    leaves its assets where `cdk deploy` (which reads cdk.out) would pick them up.
 * 2. Writes sam-local/env.json: for every function of the template, every variable the template declares
 *    for it, with the values a local run needs. SAM overrides only variables the template declares, which
 *    is why the construct declares CIBA_DYNAMODB_ENDPOINT empty. Signing is `local`: keys in the table, made on first use.
 * 3. Prints the `sam local start-api` command.
 *
 * `--skip-synth` reuses sam-local/cdk.out. `-c name=value` is passed to `cdk synth` (cdk/app.ts context).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where everything generated goes (gitignored). */
export const SAM_LOCAL_DIR = 'sam-local';

export interface SamLocalOptions {
  /** The stack's name (cdk/app.ts context `stackName`). */
  readonly stackName: string;
  /** The port `sam local start-api` listens on; the issuer is http://127.0.0.1:<port>. */
  readonly port: number;
  /** The table in DynamoDB Local (`npm start` creates `ciba-local`). */
  readonly tableName: string;
  /** DynamoDB Local as the function containers reach it. */
  readonly dynamoDbEndpoint: string;
  /** The initial access token registration accepts locally. */
  readonly initialAccessToken: string;
}

export const DEFAULT_OPTIONS: SamLocalOptions = {
  stackName: 'CibaProvider',
  // 3000 is the local runner's (`npm start`), which also runs DynamoDB Local.
  port: 3001,
  tableName: 'ciba-local',
  dynamoDbEndpoint: 'http://host.docker.internal:8000',
  initialAccessToken: 'sam-local-initial-access-token',
};

type Json = Record<string, unknown>;

interface TemplateFunction {
  readonly logicalId: string;
  /** The function's bundle directory, relative to the cloud assembly (`aws:asset:path`). */
  readonly assetPath?: string;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** The template's Lambda functions, with their declared variables and bundle directories. */
export function templateFunctions(template: Json): TemplateFunction[] {
  const resources = (template.Resources ?? {}) as Record<string, { Type: string; Properties?: Json; Metadata?: Json }>;
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => {
      const environment = resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined;
      const assetPath = resource.Metadata?.['aws:asset:path'];
      return { logicalId, ...(typeof assetPath === 'string' ? { assetPath } : {}), variables: environment?.Variables ?? {} };
    });
}

/**
 * The values a local run gives the provider's variables. Everything that points at a deployed resource
 * (table, key, secret, queue, platform applications) is replaced; what the template states literally
 * (tunables, features, delivery modes) is kept.
 */
function localValues(options: SamLocalOptions): Record<string, string> {
  return {
    CIBA_ISSUER: `http://127.0.0.1:${options.port}`,
    CIBA_TABLE_NAME: options.tableName,
    CIBA_DYNAMODB_ENDPOINT: options.dynamoDbEndpoint,
    // Local signing keys instead of KMS: kept in the (DynamoDB Local) table, so every function and the
    // JWKS agree, and made by the first request that signs.
    CIBA_SIGNING: 'local',
    CIBA_SIGNING_WRAPPING_KEY_ID: '',
    CIBA_SIGNING_KEY_RING_TAG: '',
    // A plain token instead of the Secrets Manager secret (the two are exclusive, lambdas/config.ts).
    CIBA_INITIAL_ACCESS_TOKEN: options.initialAccessToken,
    CIBA_INITIAL_ACCESS_TOKEN_SECRET: '',
    // No SQS and no stream locally: the notification workers do not run under start-api.
    CIBA_DELIVERY_QUEUE_URL: '',
    // No SNS locally: devices enroll without push and poll the device API.
    CIBA_PUSH: '',
    CIBA_SNS_APNS_APPLICATION_ARN: '',
    CIBA_SNS_APNS_SANDBOX_APPLICATION_ARN: '',
    CIBA_SNS_FCM_APPLICATION_ARN: '',
  };
}

export interface SamLocalEnvironment {
  /** The `--env-vars` file: variables by function logical ID. */
  readonly env: Record<string, Record<string, string>>;
  /** `LogicalId.VARIABLE` of values the template computes at deploy time and no local value replaces: left empty. */
  readonly unresolved: string[];
}

/** The `--env-vars` content for `template`: every declared variable of every function. */
export function samLocalEnvironment(template: Json, options: SamLocalOptions): SamLocalEnvironment {
  const local = localValues(options);
  const env: Record<string, Record<string, string>> = {};
  const unresolved: string[] = [];
  for (const fn of templateFunctions(template)) {
    const variables: Record<string, string> = {};
    for (const [name, value] of Object.entries(fn.variables)) {
      if (name in local) variables[name] = local[name]!;
      else if (typeof value === 'string') variables[name] = value;
      else {
        variables[name] = '';
        unresolved.push(`${fn.logicalId}.${name}`);
      }
    }
    env[fn.logicalId] = variables;
  }
  return { env, unresolved };
}

/** The command that serves the API from the prepared assembly. */
export function startApiCommand(options: SamLocalOptions, directory = SAM_LOCAL_DIR): string {
  return [
    'sam local start-api',
    `-t ${directory}/cdk.out/${options.stackName}.template.json`,
    `--env-vars ${directory}/env.json`,
    `--port ${options.port}`,
    // Linux has no host.docker.internal unless Docker is told; Docker Desktop ignores the duplicate.
    '--add-host host.docker.internal:host-gateway',
  ].join(' ');
}

/** Writes `directory`/env.json for the assembly in `directory`/cdk.out. Returns what it wrote. */
export function prepareSamLocal(directory: string, options: SamLocalOptions): SamLocalEnvironment & { envFile: string } {
  const assembly = join(directory, 'cdk.out');
  const templateFile = join(assembly, `${options.stackName}.template.json`);
  if (!existsSync(templateFile)) throw new Error(`${templateFile} does not exist: synthesize stack ${options.stackName} first`);
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as Json;
  const result = samLocalEnvironment(template, options);

  const envFile = join(directory, 'env.json');
  writeFileSync(envFile, `${JSON.stringify(result.env, null, 2)}\n`);
  return { ...result, envFile };
}

interface Arguments {
  readonly options: SamLocalOptions;
  readonly context: string[];
  readonly skipSynth: boolean;
}

export function parseArguments(argv: readonly string[]): Arguments {
  let options = { ...DEFAULT_OPTIONS };
  const context: string[] = [];
  let skipSynth = false;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${argument} needs a value`);
      return next;
    };
    switch (argument) {
      case '--stack':
        options = { ...options, stackName: value() };
        break;
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`--port must be a port number, got ${argv[i]}`);
        options = { ...options, port };
        break;
      }
      case '--table':
        options = { ...options, tableName: value() };
        break;
      case '--dynamodb-endpoint':
        options = { ...options, dynamoDbEndpoint: value() };
        break;
      case '--initial-access-token': {
        const token = value();
        if (token.length < 16) throw new Error('--initial-access-token must be at least 16 characters (lambdas/config.ts)');
        options = { ...options, initialAccessToken: token };
        break;
      }
      case '-c':
      case '--context':
        context.push(value());
        break;
      case '--skip-synth':
        skipSynth = true;
        break;
      default:
        throw new Error(`unknown argument ${argument} (see scripts/sam-local.ts)`);
    }
  }
  return { options, context, skipSynth };
}

function main(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { options, context, skipSynth } = parseArguments(process.argv.slice(2));
  const directory = resolve(root, SAM_LOCAL_DIR);
  mkdirSync(directory, { recursive: true });
  if (!skipSynth) {
    const args = ['cdk', 'synth', '--quiet', '--output', join(SAM_LOCAL_DIR, 'cdk.out'), '-c', `stackName=${options.stackName}`, ...context.flatMap((entry) => ['-c', entry])];
    console.log(`$ npx ${args.join(' ')}`);
    const synth = spawnSync('npx', args, { cwd: root, stdio: 'inherit' });
    if (synth.status !== 0) process.exit(synth.status ?? 1);
  }
  const { env, unresolved, envFile } = prepareSamLocal(directory, options);
  console.log(`wrote ${envFile}: ${Object.keys(env).length} functions`);
  if (unresolved.length > 0) console.log(`left empty (deploy-time values with no local equivalent): ${unresolved.join(', ')}`);
  console.log('\nWith DynamoDB Local and the table running (`npm start` in another terminal), serve the API with:\n');
  console.log(`  ${startApiCommand(options)}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
