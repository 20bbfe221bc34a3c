/**
 * `npm run bench:throughput`: completed CIBA poll flows per second, and each endpoint's latency, through
 * the local runner (`npm start`: DynamoDB Local and every handler behind a node HTTP server) over
 * loopback HTTP. Prints figures and asserts nothing.
 *
 * The runner is a child process, so its CPU is not shared with this load generator's event loop (on
 * this machine both still share the cores, with DynamoDB Local's JVM). C consumers each run flows one
 * after another until N flows have started or the time cap is reached:
 *
 *   POST /bc-authorize (client_secret_basic) → POST /token (answered authorization_pending)
 *   → POST /test/ciba/approve (the automated approval endpoint) → POST /token (answered with tokens)
 *
 * The interval is honoured without waiting: the pending poll is the request's first, and a poll of an
 * approved request is answered whatever its pace (lambdas/core/token/judge-poll.ts).
 *
 *   npm run bench:throughput [-- --flows 400 --concurrency 8 --max-seconds 60 --json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { childEnvironment, PROJECT_ROOT } from './support/child.js';
import { freePort } from './support/ports.js';
import { fixed, summarize, type Summary } from './support/stats.js';

const { values } = parseArgs({
  options: {
    flows: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '8' },
    'max-seconds': { type: 'string', default: '60' },
    warmup: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});
const FLOWS = Number(values.flows);
const CONCURRENCY = Number(values.concurrency);
const MAX_MS = Number(values['max-seconds']) * 1000;
const WARMUP = Number(values.warmup);
const STARTUP_TIMEOUT_MS = 120_000;
const IAT = 'bench-throughput-initial-access-token';
const CIBA = 'urn:openid:params:grant-type:ciba';
/** Human-readable figures go to stderr when stdout carries the JSON report. */
const say = values.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => console.log(line);

export type Endpoint = 'bc-authorize' | 'approve' | 'token pending' | 'token redeem';
const ENDPOINTS: readonly Endpoint[] = ['bc-authorize', 'approve', 'token pending', 'token redeem'];

export interface ThroughputReport {
  readonly flows: number;
  readonly failures: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly flowsPerSecond: number;
  /** Milliseconds, loopback HTTP round trip as the client sees it. */
  readonly latencyMs: Readonly<Record<Endpoint, Summary>>;
}

/** Starts `npm start`'s entry point on free loopback ports with its own data directory; resolves when it serves. */
async function startRunner(): Promise<{ child: ChildProcess; base: string; dataDir: string }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'ciba-throughput-'));
  const child = spawn(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [join(PROJECT_ROOT, 'local', 'start.ts')], {
    cwd: PROJECT_ROOT,
    // Its own process group, so that the runner, tsx's node and DynamoDB Local's JVM stop together.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnvironment({
      PORT: String(port),
      HOST: '127.0.0.1',
      CIBA_ISSUER: `http://127.0.0.1:${port}`,
      CIBA_DYNAMODB_PORT: String(await freePort()),
      CIBA_DATA_DIR: dataDir,
      CIBA_TABLE_NAME: 'ciba-throughput',
      CIBA_INITIAL_ACCESS_TOKEN: IAT,
      CIBA_POLL_INTERVAL_SECONDS: '1',
    }),
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the local runner did not start within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output}`)), STARTUP_TIMEOUT_MS);
    const watch = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('CIBA provider running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the local runner exited with ${code}:\n${output}`));
    });
  });
  return { child, base: `http://127.0.0.1:${port}`, dataDir };
}

async function stopRunner(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000).unref());
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function main(): Promise<void> {
  say(`Starting the local runner (DynamoDB Local + handlers) …`);
  const { child, base, dataDir } = await startRunner();
  try {
    const register = await fetch(`${base}/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${IAT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ backchannel_token_delivery_mode: 'poll' }),
    });
    const client = (await register.json()) as { client_id: string; client_secret: string };
    if (register.status !== 201 && register.status !== 200) throw new Error(`registration failed: ${register.status} ${JSON.stringify(client)}`);
    const formHeaders = {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64')}`,
    };
    const bcBody = new URLSearchParams({ scope: 'openid', login_hint: 'jane.doe', binding_message: 'Bench payment of £1.00' }).toString();

    const timed = async (path: string, body: string | undefined, headers: Record<string, string>) => {
      const start = performance.now();
      const response = await fetch(`${base}${path}`, { method: 'POST', headers, body });
      const json = (await response.json()) as Record<string, string>;
      return { ms: performance.now() - start, status: response.status, json };
    };

    /** One flow; its four latencies, or the first unexpected answer as an error. */
    const flow = async (): Promise<Record<Endpoint, number>> => {
      const started = await timed('/bc-authorize', bcBody, formHeaders);
      if (started.status !== 200) throw new Error(`bc-authorize: ${started.status} ${JSON.stringify(started.json)}`);
      const poll = new URLSearchParams({ grant_type: CIBA, auth_req_id: started.json.auth_req_id! }).toString();
      const pending = await timed('/token', poll, formHeaders);
      if (pending.json.error !== 'authorization_pending') throw new Error(`pending poll: ${pending.status} ${JSON.stringify(pending.json)}`);
      const approved = await timed(`/test/ciba/approve?auth_req_id=${encodeURIComponent(started.json.auth_req_id!)}&action=allow`, undefined, {});
      if (approved.status >= 300) throw new Error(`approve: ${approved.status} ${JSON.stringify(approved.json)}`);
      const redeemed = await timed('/token', poll, formHeaders);
      if (redeemed.status !== 200) throw new Error(`redeeming poll: ${redeemed.status} ${JSON.stringify(redeemed.json)}`);
      return { 'bc-authorize': started.ms, approve: approved.ms, 'token pending': pending.ms, 'token redeem': redeemed.ms };
    };

    say(`Warm-up: ${WARMUP} flows`);
    for (let i = 0; i < WARMUP; i++) await flow();

    const samples: Record<Endpoint, number[]> = { 'bc-authorize': [], approve: [], 'token pending': [], 'token redeem': [] };
    const failures: string[] = [];
    let started = 0;
    let completed = 0;
    const begin = performance.now();
    const deadline = begin + MAX_MS;
    // Each consumer's loop is bounded by the flow count and by the time cap.
    const consumer = async () => {
      while (started < FLOWS && performance.now() < deadline) {
        started++;
        try {
          const latencies = await flow();
          for (const endpoint of ENDPOINTS) samples[endpoint].push(latencies[endpoint]);
          completed++;
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    say(`Measuring: ${FLOWS} flows, ${CONCURRENCY} concurrent consumers, at most ${MAX_MS / 1000} s`);
    await Promise.all(Array.from({ length: CONCURRENCY }, consumer));
    const seconds = (performance.now() - begin) / 1000;

    const report: ThroughputReport = {
      flows: completed,
      failures: failures.length,
      concurrency: CONCURRENCY,
      seconds,
      flowsPerSecond: completed / seconds,
      latencyMs: Object.fromEntries(ENDPOINTS.map((e) => [e, summarize(samples[e])])) as Record<Endpoint, Summary>,
    };
    say(`\nThroughput (local runner, loopback HTTP, ${CONCURRENCY} consumers): ${completed} flows in ${fixed(seconds, 1)} s = ${fixed(report.flowsPerSecond, 1)} flows/s, ${failures.length} failed${completed < FLOWS ? ' (time cap reached)' : ''}`);
    say(`  ${'endpoint'.padEnd(14)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'mean ms'.padStart(8)}`);
    for (const endpoint of ENDPOINTS) {
      const s = report.latencyMs[endpoint];
      say(`  ${endpoint.padEnd(14)} ${fixed(s.p50).padStart(8)} ${fixed(s.p99).padStart(8)} ${fixed(s.max).padStart(8)} ${fixed(s.mean).padStart(8)}`);
    }
    if (failures.length > 0) say(`  first failure: ${failures[0]}`);
    if (values.json) console.log(JSON.stringify(report));
  } finally {
    await stopRunner(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
