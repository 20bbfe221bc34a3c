/**
 * `npm run bench:init`: each Lambda function's bundle, built exactly as the CDK construct builds it
 * (cdk/bundling.ts), weighed and timed at module initialisation in fresh Node 22 processes, beside two
 * floors no handler can go below:
 *
 * - the reference: a minimal handler importing only @aws-sdk/client-dynamodb's DynamoDBClient and jose;
 * - the guide's floor, per handler: a bare bundle importing exactly the AWS SDK clients that handler's
 *   bundle contains (read from esbuild's metafile) and jose. Target: handler ≤ 1.1 × this floor.
 *
 * Module initialisation is the time `await import(bundle)` takes in a new `node` process (with
 * NODE_OPTIONS=--enable-source-maps as the construct sets it), measured by a tiny runner. Runs are
 * interleaved across bundles so that the machine's load drifts over all of them alike. Prints, asserts nothing.
 *
 *   npm run bench:init [-- --runs 15 --json]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { esbuildOptionsFor } from '../cdk/bundling.js';
import { handlers, type HandlerName } from '../lambdas/routes.js';
import { PROJECT_ROOT } from './support/child.js';
import { fixed, summarize, type Summary } from './support/stats.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, json: { type: 'boolean', default: false } } });
const RUNS = Number(values.runs);
const say = values.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => console.log(line);
const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
/** The guide's target: a handler's initialisation within 10 % of its floor. */
const TARGET_RATIO = 1.1;

/** The client class each SDK package exports; a package not listed is imported whole (a higher floor). */
const CLIENT_CLASSES: Readonly<Record<string, string>> = {
  'client-dynamodb': 'DynamoDBClient',
  'client-kms': 'KMSClient',
  'client-secrets-manager': 'SecretsManagerClient',
  'client-sns': 'SNSClient',
  'client-sqs': 'SQSClient',
};

export interface BundleFigures {
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Wall-clock time of `await import(bundle)`. */
  readonly initMs: Summary;
  /** CPU time of the same import (user + system, every thread): less sensitive to other processes' load. */
  readonly initCpuMs: Summary;
}

export interface InitReport {
  readonly runs: number;
  readonly nodeVersion: string;
  readonly reference: BundleFigures;
  readonly handlers: ReadonlyArray<{
    readonly name: HandlerName;
    readonly sdkClients: readonly string[];
    readonly bundle: BundleFigures;
    readonly floor: BundleFigures;
    /** Median init over the floor's median init: the guide's target is ≤ 1.1. */
    readonly ratioToFloor: number;
    readonly ratioToReference: number;
    /** The same ratio on CPU time. */
    readonly cpuRatioToFloor: number;
  }>;
}

/** The @aws-sdk/client-* packages a bundle contains, from esbuild's metafile. */
export function sdkClientsOf(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input);
    if (match) found.add(match[1]!);
  }
  return [...found].sort();
}

/** Source of a floor bundle: the given SDK clients and all of jose, kept alive by a trivial handler. */
export function floorSource(clients: readonly string[]): string {
  const imports = clients.map((client, i) =>
    CLIENT_CLASSES[client] ? `import { ${CLIENT_CLASSES[client]} as c${i} } from '@aws-sdk/${client}';` : `import * as c${i} from '@aws-sdk/${client}';`,
  );
  const kept = [...clients.map((_, i) => `c${i}`), 'jose'].join(', ');
  return `${imports.join('\n')}
import * as jose from 'jose';
const kept = [${kept}];
export const handler = async () => ({ statusCode: 200, body: String(kept.length) });
`;
}

async function bundle(outDir: string, name: string, entry: { file: string } | { source: string }): Promise<{ file: string; metafile: Metafile }> {
  const outfile = join(outDir, name, 'index.mjs');
  mkdirSync(join(outDir, name), { recursive: true });
  const options = esbuildOptionsFor('file' in entry ? join(PROJECT_ROOT, entry.file) : '<stdin>', outfile);
  const result = await build({
    ...options,
    ...('source' in entry ? { entryPoints: undefined, stdin: { contents: entry.source, resolveDir: PROJECT_ROOT, sourcefile: `${name}.ts`, loader: 'ts' } } : {}),
    absWorkingDir: PROJECT_ROOT,
    metafile: true,
    logLevel: 'error',
  });
  return { file: outfile, metafile: result.metafile };
}

/** The runner each fresh process executes: it times the bundle's import and prints milliseconds. */
const RUNNER = `const cpu = process.cpuUsage();
const start = performance.now();
await import(process.argv[2]);
const wall = performance.now() - start;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ wall, cpu: (used.user + used.system) / 1000 }));
`;

/** Wall-clock and CPU milliseconds (all of the process's threads) of one fresh import. */
function timeImport(runner: string, file: string): { wall: number; cpu: number } {
  const result = spawnSync(NODE, [runner, pathToFileURL(file).href], {
    encoding: 'utf8',
    timeout: 60_000,
    // As in the function's environment: the construct sets NODE_OPTIONS and the region; config is read
    // lazily by every handler, so nothing else is needed to load a module.
    env: { PATH: process.env.PATH, NODE_OPTIONS: '--enable-source-maps', AWS_REGION: 'us-east-1' },
  });
  if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr || result.stdout}`);
  return JSON.parse(result.stdout) as { wall: number; cpu: number };
}

async function main(): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'ciba-init-'));
  try {
    const runner = join(outDir, 'runner.mjs');
    writeFileSync(runner, RUNNER);
    say(`Bundling ${Object.keys(handlers).length} handlers as cdk/bundling.ts does, and the floors …`);
    const built = new Map<string, { file: string; clients?: string[] }>();
    for (const [name, spec] of Object.entries(handlers)) {
      const { file, metafile } = await bundle(outDir, name, { file: spec.entry });
      built.set(name, { file, clients: sdkClientsOf(metafile) });
    }
    const floorKey = (clients: readonly string[]) => `floor:${clients.join('+') || 'none'}`;
    built.set('reference', { file: (await bundle(outDir, 'reference', { source: floorSource(['client-dynamodb']) })).file });
    for (const { clients } of [...built.values()]) {
      if (!clients || built.has(floorKey(clients))) continue;
      const name = floorKey(clients).replace(/[^a-z0-9+-]/gi, '_');
      built.set(floorKey(clients), { file: (await bundle(outDir, name, { source: floorSource(clients) })).file });
    }

    say(`Timing module initialisation: ${RUNS} fresh node processes per bundle (${built.size} bundles), interleaved …`);
    const samples = new Map<string, { wall: number; cpu: number }[]>([...built.keys()].map((k) => [k, []]));
    for (let run = 0; run < RUNS; run++) for (const [key, { file }] of built) samples.get(key)!.push(timeImport(runner, file));

    const figures = (key: string): BundleFigures => {
      const file = built.get(key)!.file;
      const runs = samples.get(key)!;
      return {
        bytes: statSync(file).size,
        gzipBytes: gzipSync(readFileSync(file)).length,
        initMs: summarize(runs.map((r) => r.wall)),
        initCpuMs: summarize(runs.map((r) => r.cpu)),
      };
    };
    const reference = figures('reference');
    const report: InitReport = {
      runs: RUNS,
      nodeVersion: spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim(),
      reference,
      handlers: (Object.keys(handlers) as HandlerName[]).map((name) => {
        const clients = built.get(name)!.clients!;
        const bundleFigures = figures(name);
        const floor = figures(floorKey(clients));
        return {
          name,
          sdkClients: clients,
          bundle: bundleFigures,
          floor,
          ratioToFloor: bundleFigures.initMs.p50 / floor.initMs.p50,
          ratioToReference: bundleFigures.initMs.p50 / reference.initMs.p50,
          cpuRatioToFloor: bundleFigures.initCpuMs.p50 / floor.initCpuMs.p50,
        };
      }),
    };

    const kb = (bytes: number) => fixed(bytes / 1024, 0);
    const describe = (f: BundleFigures) =>
      `${kb(f.bytes)} / ${kb(f.gzipBytes)} KiB, init ${fixed(f.initMs.p50, 1)} / ${fixed(f.initMs.p90, 1)} ms wall, ${fixed(f.initCpuMs.p50, 1)} ms CPU`;
    say(`\nModule initialisation, Node ${report.nodeVersion}, ${RUNS} fresh processes each (wall ms: median / p90; CPU ms: median); sizes KiB (minified / gzip)`);
    say(`  reference (DynamoDBClient + jose): ${describe(reference)}`);
    say(`  ${'handler'.padEnd(24)} ${'KiB'.padStart(6)} ${'gz'.padStart(5)} ${'init p50'.padStart(8)} ${'p90'.padStart(7)} ${'CPU p50'.padStart(7)}  ${'floor p50'.padStart(9)} ${'×floor'.padStart(6)} ${'CPU×fl'.padStart(6)} ${'×ref'.padStart(5)}  SDK clients`);
    for (const h of report.handlers) {
      const flag = h.ratioToFloor > TARGET_RATIO ? `  ← above ${TARGET_RATIO}× its floor` : '';
      say(
        `  ${h.name.padEnd(24)} ${kb(h.bundle.bytes).padStart(6)} ${kb(h.bundle.gzipBytes).padStart(5)} ${fixed(h.bundle.initMs.p50, 1).padStart(8)} ${fixed(h.bundle.initMs.p90, 1).padStart(7)} ${fixed(h.bundle.initCpuMs.p50, 1).padStart(7)}  ${fixed(h.floor.initMs.p50, 1).padStart(9)} ${fixed(h.ratioToFloor).padStart(6)} ${fixed(h.cpuRatioToFloor).padStart(6)} ${fixed(h.ratioToReference).padStart(5)}  ${h.sdkClients.join(', ') || '(none)'}${flag}`,
      );
    }
    const floors = [...new Set(report.handlers.map((h) => floorKey(h.sdkClients)))];
    for (const key of floors) {
      say(`  floor ${key.slice(6)} + jose: ${describe(figures(key))}`);
    }
    if (values.json) console.log(JSON.stringify(report));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

await main();
