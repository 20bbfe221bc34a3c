/**
 * Module initialisation cost of the Lambda handlers, observability included (npm run bench:init).
 *
 * Each handler is bundled as the CDK construct bundles it (cdk/ciba-provider.ts: esbuild, ESM,
 * minified, platform node, target node22, the `require` banner, mainFields module,main), and so is a
 * bare bundle that imports only the same AWS SDK clients and jose as the handler's bundle. Each bundle is
 * imported in fresh node processes; the figure is the median time of `await import()` plus one turn of
 * the event loop (so that the tracer, whose import starts at load, is counted where tracing is on). The variants
 * are sampled in turn, round after round.
 *
 * Variants per handler: `bare`; `before observability` (the handler's sources before it, when given in
 * BASE_DIR, e.g. `git archive <commit> lambdas | tar -x -C $BASE_DIR`); `now` as the construct bundles
 * it by default (the Powertools Tracer left out); and with `detailedTracing` (the tracer bundled),
 * both with POWERTOOLS_TRACE_ENABLED unset and set (aws-xray-sdk-core loaded). RUNS sets the number of
 * processes per variant (default 20), HANDLERS the handlers (file names in lambdas/handlers/).
 */
import { build, type Metafile } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const projectRoot = resolve(import.meta.dirname, '..');
const runs = Number(process.env.RUNS ?? 20);
const baseDir = process.env.BASE_DIR;
const handlers = (process.env.HANDLERS ?? 'token,notification-delivery,backchannel-authentication').split(',');
const out = mkdtempSync(join(tmpdir(), 'ciba-init-'));

async function bundle(entry: string, outfile: string, resolveDir = projectRoot, external: string[] = []): Promise<Metafile> {
  const result = await build({
    external,
    entryPoints: [entry],
    absWorkingDir: resolveDir,
    nodePaths: [join(projectRoot, 'node_modules')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    metafile: true,
    logLevel: 'error',
  });
  return result.metafile;
}

/** The AWS SDK clients and jose a bundle contains: what the bare bundle imports too. */
function clientsOf(metafile: Metafile): string[] {
  const packages = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/(@aws-sdk\/client-[\w-]+|jose)\//.exec(input);
    if (match) packages.add(match[1]!);
  }
  return [...packages].sort();
}

/** Each package's client class (jose: its whole namespace), kept alive so that it is not shaken away. */
const CLIENT_CLASS: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'DynamoDBClient',
  '@aws-sdk/client-kms': 'KMSClient',
  '@aws-sdk/client-sqs': 'SQSClient',
  '@aws-sdk/client-sns': 'SNSClient',
  '@aws-sdk/client-secrets-manager': 'SecretsManagerClient',
};

function bareSource(packages: string[]): string {
  return packages
    .map((name, index) => (CLIENT_CLASS[name] ? `import { ${CLIENT_CLASS[name]} as p${index} } from '${name}';` : `import * as p${index} from '${name}';`) + `\nglobalThis.__keep${index} = p${index};`)
    .join('\n');
}

const PROBE = `const t = performance.now(); await import(process.argv[1]); await new Promise((r) => setTimeout(r, 0)); process.stdout.write(String(performance.now() - t));`;

function sample(file: string, env: Record<string, string>): number {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE, file], { env: { PATH: process.env.PATH ?? '', ...env } });
  return Number(output.toString());
}

/**
 * Median per variant, the variants sampled in turn (one process each per round) rather than one
 * after another, so that a change in the machine's load touches every variant alike.
 */
function medians(variants: readonly { readonly file: string; readonly env?: Record<string, string> }[]): number[] {
  const times = variants.map((): number[] => []);
  for (let run = 0; run < runs; run++) variants.forEach((variant, index) => times[index]!.push(sample(variant.file, variant.env ?? {})));
  return times.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!);
}

const kib = (file: string): string => `${Math.round(Number(execFileSync('stat', ['-c', '%s', file]).toString()) / 1024)} KiB`;

console.log(`node ${process.version}, ${runs} fresh processes per figure (median ms of module initialisation)\n`);
for (const name of handlers) {
  const entry = `lambdas/handlers/${name}.ts`;
  // As the construct bundles it: without the tracer, unless detailedTracing.
  const now = join(out, `${name}.mjs`);
  const metafile = await bundle(entry, now, projectRoot, ['@aws-lambda-powertools/tracer']);
  const packages = clientsOf(metafile);
  const bundlesXray = Object.keys(metafile.inputs).some((input) => input.includes('node_modules/aws-xray-sdk-core/'));
  const traced = join(out, `${name}-traced.mjs`);
  await bundle(entry, traced);
  const bareEntry = join(out, `${name}-bare-entry.mjs`);
  writeFileSync(bareEntry, bareSource(packages));
  const bare = join(out, `${name}-bare.mjs`);
  await bundle(bareEntry, bare);
  const before = baseDir ? join(out, `${name}-before.mjs`) : undefined;
  if (before && baseDir) await bundle(join(baseDir, entry), before, baseDir);

  const variants = [
    { label: `bare (${packages.join(', ')})`, file: bare },
    ...(before ? [{ label: 'before observability', file: before }] : []),
    { label: 'now (no detailedTracing: tracer not bundled)', file: now },
    { label: 'now, detailedTracing (tracer bundled, not enabled)', file: traced },
    { label: 'now, detailedTracing (tracer loaded)', file: traced, env: { POWERTOOLS_TRACE_ENABLED: 'true', AWS_LAMBDA_FUNCTION_NAME: name } },
  ];
  const ms = medians(variants);
  const bareMs = ms[0]!;
  if (bundlesXray) throw new Error(`${name}: aws-xray-sdk-core is in the bundle built without the tracer`);
  console.log(name);
  variants.forEach(({ label, file }, index) => console.log(`  ${label.padEnd(60)} ${ms[index]!.toFixed(1).padStart(7)} ms  ${(ms[index]! / bareMs).toFixed(2)}x  ${kib(file)}`));
  console.log('');
}
