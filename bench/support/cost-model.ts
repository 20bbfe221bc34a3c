/**
 * AWS cost per million completed flows, from measured counts and stated assumptions. Pure arithmetic:
 * the unit tests run it on fixed counts. Every line item keeps its arithmetic as text, so the printed
 * estimate can be checked by hand.
 *
 * A flow as bench/flow.ts measures it: bc-authorize, one pending poll, the approval, the redeeming
 * poll (4 API calls). Other flow shapes (more pending polls, ping, push) are scaled from it: DynamoDB
 * requests from its per-step counts, consumed capacity and CPU in proportion to requests (an average,
 * stated as such).
 */
import type { FlowReport } from './flow-report.js';
import type { PriceName, PriceTable } from './prices.js';

/** How tokens are signed (CIBA_SIGNING). */
export type SigningMode = 'kms' | 'envelope';
/** CIBA token delivery mode (CIBA Core §5). */
export type DeliveryMode = 'poll' | 'ping' | 'push';

export interface Assumptions {
  /** Seconds between polls: the provider's default `interval` (CIBA_POLL_INTERVAL_SECONDS, lambdas/config.ts). */
  readonly pollIntervalSeconds: number;
  /** How long the user takes to approve, seconds. */
  readonly userApprovalSeconds: number;
  /** Lambda memory, MB (the construct's default). */
  readonly memoryMb: number;
  /** Memory at which Lambda gives a function one full vCPU (Lambda documentation: 1,769 MB). */
  readonly fullVcpuAtMb: number;
  /** Round trip of one DynamoDB request from Lambda in the same region, ms. */
  readonly dynamoDbLatencyMs: number;
  /** Round trip of one KMS Sign request, ms. */
  readonly kmsSignLatencyMs: number;
  /** Ping and push: the call to the client's notification endpoint, ms. */
  readonly outboundHttpMs: number;
  /** Round trip of an SQS SendMessage or SNS Publish, ms. */
  readonly messagingLatencyMs: number;
  /** CloudWatch Logs bytes per invocation (START, END, REPORT lines and one structured log line). */
  readonly logBytesPerInvocation: number;
  /** Envelope signing: share of invocations of signing functions that are cold starts (one KMS Decrypt each). */
  readonly coldStartShare: number;
}

export const defaultAssumptions: Assumptions = {
  pollIntervalSeconds: 5,
  userApprovalSeconds: 15,
  memoryMb: 256,
  fullVcpuAtMb: 1769,
  dynamoDbLatencyMs: 5,
  kmsSignLatencyMs: 15,
  outboundHttpMs: 100,
  messagingLatencyMs: 10,
  logBytesPerInvocation: 1000,
  coldStartShare: 0.001,
};

export interface Scenario {
  readonly delivery: DeliveryMode;
  readonly signing: SigningMode;
  /** The user is reached by a push to their phone (SNS, through the table stream and the delivery queue) and answers in the device API. */
  readonly phonePush: boolean;
}

/** What one completed flow uses. */
export interface FlowUsage {
  readonly apiCalls: number;
  readonly pendingPolls: number;
  readonly lambdaInvocations: number;
  readonly signingInvocations: number;
  readonly dynamoDbRequests: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly kmsAsymmetric: number;
  readonly kmsSymmetric: number;
  readonly sqsRequests: number;
  readonly snsPushes: number;
  readonly cpuMs: number;
  readonly billedMs: number;
  readonly gbSeconds: number;
  readonly logGb: number;
}

export interface LineItem {
  readonly item: string;
  readonly price: PriceName;
  /** Billable units per completed flow. */
  readonly perFlow: number;
  readonly usdPerMillionFlows: number;
  readonly arithmetic: string;
}

export interface Estimate {
  readonly scenario: Scenario;
  readonly usage: FlowUsage;
  readonly items: readonly LineItem[];
  readonly usdPerMillionFlows: number;
}

/** API calls of the flow flow.ts measures: bc-authorize, a pending poll, the approval, the redeeming poll. */
const MEASURED_API_CALLS = 4;
/** Tokens signed per completed flow (ID token and access token), CIBA Core §10.1.1. */
const SIGNED_TOKENS = 2;
const GIB = 1024 ** 3;
/**
 * DynamoDB requests a push to the user's phone adds (assumed, not measured by flow.ts): the delivery
 * function reads the user's devices; the device API reads the request and remembers the device JWT's
 * jti on the fetch and on the decision.
 */
const PHONE_PUSH_DYNAMODB_REQUESTS = 4;

/** Polls the user's answer finds still pending: the client polls every `interval` seconds from the start. */
export function pendingPolls(assumptions: Assumptions): number {
  return Math.max(0, Math.ceil(assumptions.userApprovalSeconds / assumptions.pollIntervalSeconds) - 1);
}

export function flowUsage(flow: FlowReport, scenario: Scenario, a: Assumptions, cpuMsPerMeasuredFlow = flow.cpuMsPerFlow.basic): FlowUsage {
  const ddb = flow.dynamodb;
  const measuredRequests = ddb.perFlowExcludingPolls + ddb.perPendingPoll + ddb.perRedeemingPoll;
  const pending = scenario.delivery === 'poll' ? pendingPolls(a) : 0;
  // Poll: every poll is a token request. Ping: one token request after the notification. Push: none,
  // the tokens come with the notification (CIBA Core §10.3).
  const tokenRequests = scenario.delivery === 'poll' ? pending + 1 : scenario.delivery === 'ping' ? 1 : 0;
  // The device fetches the request's details before the user decides; the decision replaces the approval call.
  const apiCalls = 1 + 1 + tokenRequests + (scenario.phonePush ? 1 : 0);
  const notifies = scenario.delivery !== 'poll';
  // The stream-triggered dispatcher sees every write of a ping or push client's request (created,
  // decided, redeemed) but only the creation of a poll client's request with a phone to push to
  // (cdk/ciba-provider.ts, the stream's filters); no batching assumed, an upper bound. The
  // queue-triggered delivery function runs once per job: the client notification, the phone push.
  const dispatcherInvocations = notifies ? 3 : scenario.phonePush ? 1 : 0;
  const workerInvocations = dispatcherInvocations + (notifies ? 1 : 0) + (scenario.phonePush ? 1 : 0);
  const lambdaInvocations = apiCalls + workerInvocations;
  // DynamoDB: bc-authorize and approval, the polls, and for push the redemption done by the delivery function.
  const dynamoDbRequests = ddb.perFlowExcludingPolls + pending * ddb.perPendingPoll + ddb.perRedeemingPoll + (scenario.phonePush ? PHONE_PUSH_DYNAMODB_REQUESTS : 0);
  const capacityScale = measuredRequests === 0 ? 0 : dynamoDbRequests / measuredRequests;
  const queueJobs = (notifies ? 1 : 0) + (scenario.phonePush ? 1 : 0);
  const signingInvocations = scenario.delivery === 'push' ? 1 : tokenRequests;
  const cpuMs = (cpuMsPerMeasuredFlow / MEASURED_API_CALLS) * lambdaInvocations;
  const kmsAsymmetric = scenario.signing === 'kms' ? SIGNED_TOKENS : 0;
  // Billed duration: the CPU work slowed to the function's share of a vCPU, plus the waits, plus half a
  // millisecond per invocation for Lambda's rounding up to the next millisecond.
  const billedMs =
    cpuMs * (a.fullVcpuAtMb / a.memoryMb) +
    dynamoDbRequests * a.dynamoDbLatencyMs +
    kmsAsymmetric * a.kmsSignLatencyMs +
    (notifies ? a.outboundHttpMs : 0) +
    (queueJobs + (scenario.phonePush ? 1 : 0)) * a.messagingLatencyMs +
    lambdaInvocations * 0.5;
  return {
    apiCalls,
    pendingPolls: pending,
    lambdaInvocations,
    signingInvocations,
    dynamoDbRequests,
    readUnits: flow.dynamodb.consumedCapacity.readUnitsPerFlow * capacityScale,
    writeUnits: flow.dynamodb.consumedCapacity.writeUnitsPerFlow * capacityScale,
    kmsAsymmetric,
    kmsSymmetric: scenario.signing === 'envelope' ? signingInvocations * a.coldStartShare : 0,
    // SendMessage, ReceiveMessage and DeleteMessage per job.
    sqsRequests: queueJobs * 3,
    snsPushes: scenario.phonePush ? 1 : 0,
    cpuMs,
    billedMs,
    gbSeconds: (a.memoryMb / 1024) * (billedMs / 1000),
    logGb: (lambdaInvocations * a.logBytesPerInvocation) / GIB,
  };
}

function n(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

export function estimate(flow: FlowReport, scenario: Scenario, table: PriceTable, a: Assumptions = defaultAssumptions): Estimate {
  const usage = flowUsage(flow, scenario, a);
  const line = (item: string, price: PriceName, perFlow: number): LineItem => {
    const p = table[price];
    const usd = ((perFlow * 1e6) / p.per) * p.usd;
    return { item, price, perFlow, usdPerMillionFlows: usd, arithmetic: `${n(perFlow)} × 1e6 / ${n(p.per)} × $${p.usd} = $${usd.toFixed(2)}` };
  };
  const items = [
    line('API Gateway REST calls', 'apiGatewayRestRequests', usage.apiCalls),
    line('Lambda invocations', 'lambdaRequests', usage.lambdaInvocations),
    line('Lambda duration (GB-s)', 'lambdaArmDuration', usage.gbSeconds),
    line('DynamoDB read request units', 'dynamoDbReadRequestUnits', usage.readUnits),
    line('DynamoDB write request units', 'dynamoDbWriteRequestUnits', usage.writeUnits),
    line('KMS asymmetric Sign', 'kmsAsymmetricRequests', usage.kmsAsymmetric),
    line('KMS symmetric Decrypt (cold starts)', 'kmsSymmetricRequests', usage.kmsSymmetric),
    line('SQS requests', 'sqsStandardRequests', usage.sqsRequests),
    line('SNS mobile push', 'snsMobilePush', usage.snsPushes),
    line('CloudWatch Logs ingestion (GB)', 'cloudWatchLogsIngestion', usage.logGb),
  ];
  return { scenario, usage, items, usdPerMillionFlows: items.reduce((sum, i) => sum + i.usdPerMillionFlows, 0) };
}

/** Every combination the report prints. */
export function scenarios(): Scenario[] {
  const all: Scenario[] = [];
  for (const delivery of ['poll', 'ping', 'push'] as const)
    for (const signing of ['kms', 'envelope'] as const) for (const phonePush of [false, true]) all.push({ delivery, signing, phonePush });
  return all;
}
