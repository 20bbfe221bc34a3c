/**
 * `npm run bench:cost`: estimated AWS cost per million completed flows, from bench/flow.ts's measured
 * counts (DynamoDB requests and consumed capacity, CPU per flow), the price table in
 * bench/support/prices.ts (documented in docs/costs.md) and the assumptions in
 * bench/support/cost-model.ts. Prints every line item with its arithmetic. Asserts nothing.
 *
 *   npm run bench:cost [-- --flows 200]               runs bench/flow.ts --json for the counts
 *   npm run bench:cost -- --flow-json counts.json     uses counts saved earlier
 *     [--throughput-json t.json]  adds the local runner's latencies as a cross-check of the duration model
 *     [--approval-seconds 15 --memory 256 --json]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runScript } from './support/child.js';
import { defaultAssumptions, estimate, scenarios, type Assumptions, type Estimate } from './support/cost-model.js';
import { parseFlowReport, type FlowReport } from './support/flow-report.js';
import { PRICES_CONSULTED, prices } from './support/prices.js';
import { fixed } from './support/stats.js';
import type { ThroughputReport } from './throughput.js';

const { values } = parseArgs({
  options: {
    flows: { type: 'string', default: '200' },
    'flow-json': { type: 'string' },
    'throughput-json': { type: 'string' },
    'approval-seconds': { type: 'string' },
    memory: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const say = values.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => console.log(line);

const flow: FlowReport = parseFlowReport(
  values['flow-json'] ? readFileSync(values['flow-json'], 'utf8') : await runScript('bench/flow.ts', ['--json', '--flows', values.flows], 30 * 60_000),
);
const throughput = values['throughput-json'] ? (JSON.parse(readFileSync(values['throughput-json'], 'utf8')) as ThroughputReport) : undefined;
const assumptions: Assumptions = {
  ...defaultAssumptions,
  ...(values['approval-seconds'] ? { userApprovalSeconds: Number(values['approval-seconds']) } : {}),
  ...(values.memory ? { memoryMb: Number(values.memory) } : {}),
};
const estimates: Estimate[] = scenarios().map((s) => estimate(flow, s, prices, assumptions));

say(`\nPrices: us-east-1, on-demand, first volume tier, no free tier (consulted ${PRICES_CONSULTED}; sources in docs/costs.md)`);
for (const p of Object.values(prices)) say(`  $${p.usd} per ${p.per === 1 ? '' : `${p.per.toLocaleString('en-US')} `}${p.unit}`);

const d = flow.dynamodb;
say(`\nMeasured by bench/flow.ts (${flow.flows} flows): DynamoDB requests per pending poll ${d.perPendingPoll}, per redeeming poll ${d.perRedeemingPoll}, rest of the flow ${d.perFlowExcludingPolls}`);
say(`  consumed capacity per flow: ${fixed(d.consumedCapacity.readUnitsPerFlow)} RRU, ${fixed(d.consumedCapacity.writeUnitsPerFlow)} WRU; CPU per flow ${fixed(flow.cpuMsPerFlow.basic, 3)} ms (client_secret_basic), ${fixed(flow.cpuMsPerFlow.privateKeyJwt, 3)} ms (private_key_jwt)`);
say(`\nAssumptions (bench/support/cost-model.ts): ${JSON.stringify(assumptions)}`);
say(`  pending polls per flow: ceil(${assumptions.userApprovalSeconds} s / ${assumptions.pollIntervalSeconds} s) − 1 = ${estimates[0]!.usage.pendingPolls}, then one redeeming poll`);
say(`  billed ms = CPU ms × ${assumptions.fullVcpuAtMb}/${assumptions.memoryMb} (vCPU share) + DynamoDB requests × ${assumptions.dynamoDbLatencyMs} ms + KMS Sign × ${assumptions.kmsSignLatencyMs} ms + notification ${assumptions.outboundHttpMs} ms + SQS/SNS calls × ${assumptions.messagingLatencyMs} ms + 0.5 ms rounding per invocation`);
if (throughput) {
  const perFlow = Object.values(throughput.latencyMs).reduce((sum, s) => sum + s.p50, 0);
  say(`  cross-check: the local runner's p50 wall time per flow (4 calls, loopback HTTP, DynamoDB Local) was ${fixed(perFlow, 1)} ms under this machine's load`);
}

say(`\nPer completed flow, and USD per million completed flows:`);
say(`  ${'delivery'.padEnd(8)} ${'signing'.padEnd(8)} ${'phone'.padEnd(5)} ${'API'.padStart(4)} ${'λ inv'.padStart(5)} ${'DDB'.padStart(4)} ${'RRU'.padStart(6)} ${'WRU'.padStart(6)} ${'KMS'.padStart(4)} ${'SQS'.padStart(4)} ${'SNS'.padStart(4)} ${'λ ms'.padStart(7)} ${'$/M flows'.padStart(10)}`);
for (const e of estimates) {
  const u = e.usage;
  say(
    `  ${e.scenario.delivery.padEnd(8)} ${e.scenario.signing.padEnd(8)} ${(e.scenario.phonePush ? 'yes' : 'no').padEnd(5)} ${String(u.apiCalls).padStart(4)} ${String(u.lambdaInvocations).padStart(5)} ${fixed(u.dynamoDbRequests, 0).padStart(4)} ${fixed(u.readUnits).padStart(6)} ${fixed(u.writeUnits).padStart(6)} ${fixed(u.kmsAsymmetric + u.kmsSymmetric, 0).padStart(4)} ${String(u.sqsRequests).padStart(4)} ${String(u.snsPushes).padStart(4)} ${fixed(u.billedMs, 1).padStart(7)} ${fixed(e.usdPerMillionFlows).padStart(10)}`,
  );
}
for (const e of estimates.filter((x) => x.scenario.delivery === 'poll' && !x.scenario.phonePush)) {
  say(`\nArithmetic, poll mode, ${e.scenario.signing} signing, no phone push (per flow × 1e6 / price unit × price):`);
  for (const i of e.items) say(`  ${i.item.padEnd(38)} ${i.arithmetic}`);
  say(`  ${'total'.padEnd(38)} $${fixed(e.usdPerMillionFlows)} per million completed flows`);
}
if (values.json) console.log(JSON.stringify({ assumptions, estimates }));
