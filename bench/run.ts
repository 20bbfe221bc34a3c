/**
 * `npm run bench`: every benchmark in order, then a summary against the developers' guide's targets.
 * Prints figures; asserts nothing (a benchmark that misses a target still exits 0 and says so).
 *
 *   1. bench/flow.ts --json       DynamoDB requests and capacity per flow and per poll, CPU per flow
 *   2. bench/throughput.ts        flows/s and per-endpoint latency through the local runner
 *   3. bench/init.ts              bundle sizes and module initialisation beside their floors
 *   4. bench/cost.ts              estimated AWS cost per million completed flows, from 1 (and 2)
 *
 *   npm run bench [-- --quick] [-- --flow-json counts.json]   (--flow-json: use saved flow.ts counts instead of step 1)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { InitReport } from './init.js';
import type { Estimate } from './support/cost-model.js';
import { runScript } from './support/child.js';
import { parseFlowReport, type FlowReport } from './support/flow-report.js';
import { fixed } from './support/stats.js';
import type { ThroughputReport } from './throughput.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, 'flow-json': { type: 'string' } } });
const quick = values.quick;
const sizes = quick
  ? { flows: '30', throughput: ['--flows', '60', '--concurrency', '4', '--max-seconds', '20', '--warmup', '5'], runs: '5' }
  : { flows: '200', throughput: ['--flows', '400', '--concurrency', '8', '--max-seconds', '60', '--warmup', '20'], runs: '15' };
/** Every step has a time cap, so `npm run bench` always ends. */
const STEP_TIMEOUT_MS = 20 * 60_000;

/** oidc-provider's CPU per completed flow on this machine (given facts, see the guide), ms. */
const OIDC_PROVIDER_CPU_MS = { basic: 1, privateKeyJwt: 1.75 };

const work = mkdtempSync(join(tmpdir(), 'ciba-bench-'));
const failures: string[] = [];
async function step<T>(title: string, run: () => Promise<T>): Promise<T | undefined> {
  console.log(`\n━━ ${title}`);
  try {
    return await run();
  } catch (error) {
    failures.push(`${title}: ${error instanceof Error ? error.message : String(error)}`);
    console.log(`   skipped: ${failures[failures.length - 1]}`);
    return undefined;
  }
}

try {
  const flow = await step<FlowReport>('DynamoDB requests, consumed capacity and CPU per flow (bench/flow.ts --json)', async () => {
    const text = values['flow-json'] ? readFileSync(values['flow-json'], 'utf8') : await runScript('bench/flow.ts', ['--json', '--flows', sizes.flows], STEP_TIMEOUT_MS);
    const report = parseFlowReport(text);
    console.log(JSON.stringify(report, null, 2));
    return report;
  });
  const throughput = await step<ThroughputReport>('Throughput and latency through the local runner (bench/throughput.ts)', async () =>
    JSON.parse(await runScript('bench/throughput.ts', ['--json', ...sizes.throughput], STEP_TIMEOUT_MS)) as ThroughputReport,
  );
  const init = await step<InitReport>('Bundle size and module initialisation (bench/init.ts)', async () =>
    JSON.parse(await runScript('bench/init.ts', ['--json', '--runs', sizes.runs], STEP_TIMEOUT_MS)) as InitReport,
  );
  const cost = await step<{ estimates: Estimate[] }>('Estimated AWS cost per million completed flows (bench/cost.ts)', async () => {
    if (!flow) throw new Error('needs the counts of bench/flow.ts --json');
    const flowFile = join(work, 'flow.json');
    writeFileSync(flowFile, JSON.stringify(flow));
    const args = ['--json', '--flow-json', flowFile];
    if (throughput) {
      writeFileSync(join(work, 'throughput.json'), JSON.stringify(throughput));
      args.push('--throughput-json', join(work, 'throughput.json'));
    }
    return JSON.parse(await runScript('bench/cost.ts', args, STEP_TIMEOUT_MS)) as { estimates: Estimate[] };
  });

  const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  console.log(`\n━━ Summary${quick ? ' (--quick: small samples)' : ''}. Figures from a shared 2-core machine: noisy, compare within one run.`);
  if (throughput) {
    const l = throughput.latencyMs;
    console.log(`  Throughput: ${fixed(throughput.flowsPerSecond, 1)} completed flows/s with ${throughput.concurrency} consumers (${throughput.flows} flows, ${throughput.failures} failed)`);
    console.log(`  Latency p50/p99 ms: ${Object.entries(l).map(([e, s]) => `${e} ${fixed(s.p50, 1)}/${fixed(s.p99, 1)}`).join(', ')}`);
  }
  if (flow) {
    const d = flow.dynamodb;
    console.log(`  DynamoDB per poll: pending ${d.perPendingPoll}, redeeming ${d.perRedeemingPoll} (target exactly 1: ${met(d.perPendingPoll === 1 && d.perRedeemingPoll === 1)}); rest of the flow ${d.perFlowExcludingPolls} (target ≤ 4: ${met(d.perFlowExcludingPolls <= 4)})`);
    console.log(`  Consumed capacity per flow: ${fixed(d.consumedCapacity.readUnitsPerFlow)} RRU, ${fixed(d.consumedCapacity.writeUnitsPerFlow)} WRU`);
    const c = flow.cpuMsPerFlow;
    console.log(
      `  CPU per flow: ${fixed(c.basic, 3)} ms basic (target ≤ ${OIDC_PROVIDER_CPU_MS.basic / 2} ms: ${met(c.basic <= OIDC_PROVIDER_CPU_MS.basic / 2)}), ${fixed(c.privateKeyJwt, 3)} ms private_key_jwt + signed request (target ≤ ${OIDC_PROVIDER_CPU_MS.privateKeyJwt / 2} ms: ${met(c.privateKeyJwt <= OIDC_PROVIDER_CPU_MS.privateKeyJwt / 2)})`,
    );
  }
  if (init) {
    const above = init.handlers.filter((h) => h.ratioToFloor > 1.1);
    const aboveCpu = init.handlers.filter((h) => h.cpuRatioToFloor > 1.1);
    console.log(`  Module init ≤ 1.1 × floor (same SDK clients + jose), median wall: ${init.handlers.length - above.length}/${init.handlers.length} handlers; above: ${above.map((h) => `${h.name} ${fixed(h.ratioToFloor)}×`).join(', ') || 'none'}`);
    console.log(`  Same on median CPU time: ${init.handlers.length - aboveCpu.length}/${init.handlers.length}; above: ${aboveCpu.map((h) => `${h.name} ${fixed(h.cpuRatioToFloor)}×`).join(', ') || 'none'}`);
    console.log(`  Reference bundle (DynamoDBClient + jose): ${fixed(init.reference.bytes / 1024, 0)} KiB, init ${fixed(init.reference.initMs.p50, 1)} ms median`);
  }
  if (cost) {
    const pick = (delivery: string, signing: string) => cost.estimates.find((e) => e.scenario.delivery === delivery && e.scenario.signing === signing && !e.scenario.phonePush);
    console.log(`  Cost per million completed flows (no phone push): ${(['poll', 'ping', 'push'] as const).map((m) => `${m} $${fixed(pick(m, 'kms')?.usdPerMillionFlows ?? Number.NaN)} kms / $${fixed(pick(m, 'envelope')?.usdPerMillionFlows ?? Number.NaN)} envelope`).join('; ')}`);
  }
  if (failures.length > 0) console.log(`  Skipped: ${failures.join(' | ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
