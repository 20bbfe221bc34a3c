/**
 * The benchmarks' pure parts: percentiles, the cost arithmetic on fixed counts, and the parsing of
 * bench/flow.ts's `--json` report. No timing is asserted anywhere: the benchmarks print figures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultAssumptions, estimate, flowUsage, pendingPolls, type Scenario } from '../../../bench/support/cost-model.js';
import { FlowReportError, parseFlowReport, type FlowReport } from '../../../bench/support/flow-report.js';
import { prices, type PriceTable } from '../../../bench/support/prices.js';
import { percentile, summarize } from '../../../bench/support/stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('returns observed samples: p50 of 1..100 is 50, p99 is 99, p100 the maximum, p0 the minimum', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
  });

  it('rounds the rank up on small samples', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([7], 99)).toBe(7);
  });

  it('is NaN for no samples and refuses a percentile outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it('summarize sorts a copy and reports count, mean, p50, p99 and max', () => {
    const samples = [5, 1, 4, 2, 3];
    expect(summarize(samples)).toEqual({ count: 5, mean: 3, p50: 3, p90: 5, p99: 5, max: 5 });
    expect(samples).toEqual([5, 1, 4, 2, 3]);
  });
});

const report: FlowReport = {
  flows: 200,
  dynamodb: {
    perPendingPoll: 1,
    perRedeemingPoll: 1,
    perFlowExcludingPolls: 2,
    byOperation: { PutItem: 1, UpdateItem: 3 },
    consumedCapacity: { readUnitsPerFlow: 0, writeUnitsPerFlow: 8 },
  },
  cpuMsPerFlow: { basic: 0.8, privateKeyJwt: 1.4 },
};

describe('parseFlowReport', () => {
  it("reads flow.ts's JSON object", () => {
    expect(parseFlowReport(`${JSON.stringify(report)}\n`)).toEqual(report);
    // The handlers' log lines come first on the same stdout; the report is the last line.
    expect(parseFlowReport(`{"level":"INFO","message":"request answered"}\n${JSON.stringify(report)}\n`)).toEqual(report);
  });

  it('names the missing or wrong field', () => {
    const { cpuMsPerFlow: _, ...withoutCpu } = report;
    expect(() => parseFlowReport(JSON.stringify(withoutCpu))).toThrow(/cpuMsPerFlow must be an object/);
    const negative = { ...report, dynamodb: { ...report.dynamodb, perPendingPoll: -1 } };
    expect(() => parseFlowReport(JSON.stringify(negative))).toThrow(/dynamodb.perPendingPoll must be a non-negative number/);
    const badOperation = { ...report, dynamodb: { ...report.dynamodb, byOperation: { GetItem: 'one' } } };
    expect(() => parseFlowReport(JSON.stringify(badOperation))).toThrow(/dynamodb.byOperation.GetItem/);
  });

  it('refuses output that is not one JSON object (e.g. the human-readable report)', () => {
    expect(() => parseFlowReport('client_secret_basic, form request: 200 flows')).toThrow(FlowReportError);
    expect(() => parseFlowReport('[1, 2]')).toThrow(/the report must be an object/);
  });
});

describe('cost arithmetic on fixed counts', () => {
  const pollKms: Scenario = { delivery: 'poll', signing: 'kms', phonePush: false };
  // Round prices, so that every expected figure below can be worked out by hand.
  const table: PriceTable = Object.fromEntries(
    Object.entries(prices).map(([name, p]) => [name, { ...p, usd: 1, per: 1e6 }]),
  ) as unknown as PriceTable;

  it('counts pending polls from the approval time and the interval', () => {
    expect(pendingPolls({ ...defaultAssumptions, userApprovalSeconds: 15, pollIntervalSeconds: 5 })).toBe(2);
    expect(pendingPolls({ ...defaultAssumptions, userApprovalSeconds: 12, pollIntervalSeconds: 5 })).toBe(2);
    expect(pendingPolls({ ...defaultAssumptions, userApprovalSeconds: 3, pollIntervalSeconds: 5 })).toBe(0);
  });

  it('poll mode: API calls, DynamoDB requests and capacity scaled from the measured flow', () => {
    const usage = flowUsage(report, pollKms, { ...defaultAssumptions, userApprovalSeconds: 15 });
    // bc-authorize + approval + 2 pending polls + the redeeming poll.
    expect(usage.apiCalls).toBe(5);
    expect(usage.lambdaInvocations).toBe(5);
    // 2 (rest) + 2 × 1 (pending) + 1 (redeeming) = 5, against 4 in the measured flow.
    expect(usage.dynamoDbRequests).toBe(5);
    expect(usage.writeUnits).toBeCloseTo(10);
    expect(usage.kmsAsymmetric).toBe(2);
    // CPU: 0.8 ms per 4 invocations → 1.0 ms for 5.
    expect(usage.cpuMs).toBeCloseTo(1.0);
    // 1.0 × 1769/256 + 5 × 5 + 2 × 15 + 5 × 0.5
    expect(usage.billedMs).toBeCloseTo(1769 / 256 + 25 + 30 + 2.5);
  });

  it('envelope signing replaces the two KMS Sign requests with a Decrypt per cold start', () => {
    const usage = flowUsage(report, { ...pollKms, signing: 'envelope' }, defaultAssumptions);
    expect(usage.kmsAsymmetric).toBe(0);
    // 3 token requests × 0.1 % cold starts
    expect(usage.kmsSymmetric).toBeCloseTo(0.003);
  });

  it('ping and push add the dispatcher, the delivery function and three SQS requests; push has no token request', () => {
    const ping = flowUsage(report, { ...pollKms, delivery: 'ping' }, defaultAssumptions);
    expect(ping.apiCalls).toBe(3);
    expect(ping.lambdaInvocations).toBe(3 + 3 + 1);
    expect(ping.sqsRequests).toBe(3);
    const push = flowUsage(report, { ...pollKms, delivery: 'push' }, defaultAssumptions);
    expect(push.apiCalls).toBe(2);
    expect(push.snsPushes).toBe(0);
    expect(flowUsage(report, { ...pollKms, phonePush: true }, defaultAssumptions).snsPushes).toBe(1);
  });

  it('each line item is per-flow units × 1e6 / price unit × price, and the total is their sum', () => {
    const result = estimate(report, pollKms, table, { ...defaultAssumptions, userApprovalSeconds: 15 });
    const byName = Object.fromEntries(result.items.map((i) => [i.price, i.usdPerMillionFlows]));
    expect(byName.apiGatewayRestRequests).toBeCloseTo(5);
    expect(byName.dynamoDbWriteRequestUnits).toBeCloseTo(10);
    expect(byName.kmsAsymmetricRequests).toBeCloseTo(2);
    expect(result.usdPerMillionFlows).toBeCloseTo(result.items.reduce((sum, i) => sum + i.usdPerMillionFlows, 0));
    expect(result.items.find((i) => i.price === 'apiGatewayRestRequests')!.arithmetic).toBe('5 × 1e6 / 1000000 × $1 = $5.00');
  });

  it('with the real price table: 2 asymmetric Sign requests per flow cost $30 per million flows', () => {
    const result = estimate(report, pollKms, prices);
    expect(result.items.find((i) => i.price === 'kmsAsymmetricRequests')!.usdPerMillionFlows).toBeCloseTo(30);
  });
});

describe('docs/costs.md', () => {
  it('documents every price of the table with its source', () => {
    const doc = readFileSync(new URL('../../../docs/costs.md', import.meta.url), 'utf8');
    for (const p of Object.values(prices)) {
      expect(doc).toContain(`$${p.usd}`);
      expect(doc).toContain(p.source);
    }
  });
});
