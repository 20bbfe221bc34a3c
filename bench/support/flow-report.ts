/**
 * The figures bench/flow.ts prints with `--json`: the contract between that script (which counts
 * DynamoDB requests, consumed capacity and CPU per flow) and the scripts that use its counts
 * (bench/cost.ts, bench/run.ts). One JSON object on standard output; anything else there is an error.
 */

export interface FlowReport {
  /** Completed flows measured (each: bc-authorize, one pending poll, approval, the redeeming poll). */
  readonly flows: number;
  readonly dynamodb: {
    /** Requests for a poll of a request the user has not answered yet. */
    readonly perPendingPoll: number;
    /** Requests for the poll that redeems an approved request. */
    readonly perRedeemingPoll: number;
    /** Requests for the rest of a flow: backchannel authentication request and approval. */
    readonly perFlowExcludingPolls: number;
    /** Requests per flow by DynamoDB operation (GetItem, UpdateItem, ...). */
    readonly byOperation: Readonly<Record<string, number>>;
    readonly consumedCapacity: {
      readonly readUnitsPerFlow: number;
      readonly writeUnitsPerFlow: number;
    };
  };
  /** CPU time of the provider's code per completed flow, milliseconds. */
  readonly cpuMsPerFlow: {
    /** client_secret_basic, form-encoded request. */
    readonly basic: number;
    /** private_key_jwt client authentication and a signed authentication request. */
    readonly privateKeyJwt: number;
  };
}

export class FlowReportError extends Error {}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FlowReportError(`${where} must be an object`);
  return value as Record<string, unknown>;
}

function count(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new FlowReportError(`${where} must be a non-negative number, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Parses and checks flow.ts's `--json` output: its last line. The handlers' own log lines (JSON too, at
 * the deployed INFO level, so their cost is in the CPU figures) come before it on the same stdout.
 * The error names the first field that is missing or wrong.
 */
export function parseFlowReport(stdout: string): FlowReport {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
  } catch {
    throw new FlowReportError(`bench/flow.ts --json did not print one JSON object: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  const top = record(raw, 'the report');
  const dynamodb = record(top.dynamodb, 'dynamodb');
  const capacity = record(dynamodb.consumedCapacity, 'dynamodb.consumedCapacity');
  const byOperation = record(dynamodb.byOperation, 'dynamodb.byOperation');
  const cpu = record(top.cpuMsPerFlow, 'cpuMsPerFlow');
  return {
    flows: count(top.flows, 'flows'),
    dynamodb: {
      perPendingPoll: count(dynamodb.perPendingPoll, 'dynamodb.perPendingPoll'),
      perRedeemingPoll: count(dynamodb.perRedeemingPoll, 'dynamodb.perRedeemingPoll'),
      perFlowExcludingPolls: count(dynamodb.perFlowExcludingPolls, 'dynamodb.perFlowExcludingPolls'),
      byOperation: Object.fromEntries(Object.entries(byOperation).map(([name, n]) => [name, count(n, `dynamodb.byOperation.${name}`)])),
      consumedCapacity: {
        readUnitsPerFlow: count(capacity.readUnitsPerFlow, 'dynamodb.consumedCapacity.readUnitsPerFlow'),
        writeUnitsPerFlow: count(capacity.writeUnitsPerFlow, 'dynamodb.consumedCapacity.writeUnitsPerFlow'),
      },
    },
    cpuMsPerFlow: {
      basic: count(cpu.basic, 'cpuMsPerFlow.basic'),
      privateKeyJwt: count(cpu.privateKeyJwt, 'cpuMsPerFlow.privateKeyJwt'),
    },
  };
}
