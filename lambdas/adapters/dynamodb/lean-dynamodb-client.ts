/**
 * A DynamoDB client for the Lambda handlers: each request is one HTTPS POST of the operation's JSON,
 * signed with Signature Version 4, over a kept-alive connection (keep-alive-connections.ts).
 *
 * Why not the SDK's DynamoDBClient: its per-request middleware stack (endpoint rules, serde, retry,
 * signing, checksum plugins) costs about 1.2 ms of CPU for a bare GetItem, several times the provider's
 * own work for a poll, and loading it dominates a cold start. DynamoDB's wire protocol is small:
 * POST / with `X-Amz-Target: DynamoDB_20120810.<Operation>` and a JSON body (awsJson1_0).
 *
 * Behaviour kept from the SDK (standard retry mode): at most 3 attempts; throttling errors, 5xx answers,
 * timeouts and broken connections are retried after a random delay up to base * 2^attempt (full jitter,
 * base 100 ms, 500 ms for throttling, at most 20 s); any other error is thrown at once. Errors are Error
 * objects named after DynamoDB's `__type` (ConditionalCheckFailedException, TransactionCanceledException
 * with its CancellationReasons, ...) carrying `$metadata.httpStatusCode`, as the SDK's are, so
 * conditions.ts reads both alike.
 *
 * Left out: the SDK's retry quota (a token bucket shared by a client's requests; one Lambda invocation
 * sends a handful), clock-skew correction, and the x-amz-crc32 response check (TLS protects the body).
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { amzDate, sha256Hex, SignatureV4, type AwsCredentials } from '../aws/signature-v4.js';
import { KeepAliveConnections, type HttpAnswer } from './keep-alive-connections.js';
import type { DynamoDb, Operation, OperationName, OutputOf } from './operations.js';
import { fromWireJson, toWireJson } from './wire-json.js';

/** One HTTP attempt, for observers (the benchmark counts requests and capacity with it). */
export interface DynamoDbRequestEvent {
  readonly operation: OperationName;
  /** 1 for the first attempt of an operation. */
  readonly attempt: number;
  /** Absent when no answer came (timeout, broken connection). */
  readonly statusCode?: number;
  /** The error's name when the attempt failed. */
  readonly error?: string;
  /** As DynamoDB reports it when the input asks (ReturnConsumedCapacity). */
  readonly consumedCapacity?: unknown;
}

export interface LeanDynamoDbClientOptions {
  readonly region: string;
  /** Default https://dynamodb.<region>.amazonaws.com; DynamoDB Local's http://127.0.0.1:<port> locally. */
  readonly endpoint?: string;
  readonly credentials: AwsCredentials;
  /** @default 3 (the SDK's standard mode) */
  readonly maxAttempts?: number;
  /**
   * From sending a request to having the whole answer, per attempt. DynamoDB answers in milliseconds;
   * three attempts and their backoff stay within a route function's 10 s timeout.
   * @default 3000
   */
  readonly attemptTimeoutMs?: number;
  /** @default 100 */
  readonly retryBaseDelayMs?: number;
  /** @default 500 */
  readonly throttlingBaseDelayMs?: number;
  /** Sets ReturnConsumedCapacity on every request that names none (the benchmark). @default none */
  readonly returnConsumedCapacity?: 'TOTAL' | 'INDEXES';
  /** Called after every HTTP attempt. */
  readonly onRequest?: (event: DynamoDbRequestEvent) => void;
}

/** DynamoDB's error answer as an Error, shaped like the SDK's ServiceException. */
export class DynamoDbError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { readonly httpStatusCode?: number; readonly requestId?: string; readonly attempts: number };
  /** Other members of the answer: `Item` of a failed condition, `CancellationReasons` of a transaction. */
  [member: string]: unknown;

  constructor(name: string, message: string, statusCode: number | undefined, requestId: string | undefined, attempts: number, members: Record<string, unknown> = {}) {
    super(message);
    Object.assign(this, members);
    this.name = name;
    this.$fault = statusCode !== undefined && statusCode >= 500 ? 'server' : 'client';
    this.$metadata = { ...(statusCode !== undefined ? { httpStatusCode: statusCode } : {}), ...(requestId ? { requestId } : {}), attempts };
  }
}

/** @see THROTTLING_ERROR_CODES of the SDK's service error classification */
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  // A transaction with the same ClientRequestToken is still running: it settles within moments.
  'TransactionInProgressException',
]);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'TimeoutError']);
const MAX_DELAY_MS = 20_000;

class AttemptTimeout extends Error {
  readonly code = 'TimeoutError';
  constructor(ms: number) {
    super(`no answer from DynamoDB within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

export class LeanDynamoDbClient implements DynamoDb {
  private readonly host: string;
  private readonly connections: KeepAliveConnections;
  private readonly signer: SignatureV4;
  private readonly maxAttempts: number;
  private readonly attemptTimeoutMs: number;

  constructor(private readonly options: LeanDynamoDbClientOptions) {
    const url = new URL(options.endpoint ?? `https://dynamodb.${options.region}.amazonaws.com`);
    this.host = url.host;
    // Keep-alive: a warm function reuses its TLS connection instead of a handshake per request.
    this.connections = new KeepAliveConnections(url);
    this.signer = new SignatureV4(options.credentials, options.region, 'dynamodb');
    this.maxAttempts = options.maxAttempts ?? 3;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 3000;
  }

  async execute<O extends Operation>(operation: O): Promise<OutputOf<O>> {
    const { returnConsumedCapacity } = this.options;
    const input = returnConsumedCapacity && !('ReturnConsumedCapacity' in operation.input) ? { ...operation.input, ReturnConsumedCapacity: returnConsumedCapacity } : operation.input;
    const body = toWireJson(input);
    const payloadHash = sha256Hex(body);
    for (let attempt = 1; ; attempt++) {
      let error: DynamoDbError | Error;
      let throttled = false;
      try {
        const answer = await this.post(operation.operation, body, payloadHash);
        if (answer.statusCode === 200) {
          const output = fromWireJson(answer.body);
          this.options.onRequest?.({ operation: operation.operation, attempt, statusCode: 200, ...(output.ConsumedCapacity !== undefined ? { consumedCapacity: output.ConsumedCapacity } : {}) });
          return output as OutputOf<O>;
        }
        error = toError(answer, attempt);
        throttled = THROTTLING.has(error.name) || answer.statusCode === 429;
        this.options.onRequest?.({ operation: operation.operation, attempt, statusCode: answer.statusCode, error: error.name });
        if (!throttled && !TRANSIENT_STATUS.has(answer.statusCode)) throw error;
      } catch (thrown) {
        if (thrown instanceof DynamoDbError) throw thrown;
        error = thrown as Error;
        const code = (error as { code?: string }).code;
        this.options.onRequest?.({ operation: operation.operation, attempt, error: code ?? error.name });
        if (!NETWORK_ERRORS.has(code ?? '') && !NETWORK_ERRORS.has(error.name)) throw error;
      }
      if (attempt >= this.maxAttempts) throw error;
      const base = throttled ? (this.options.throttlingBaseDelayMs ?? 500) : (this.options.retryBaseDelayMs ?? 100);
      await sleep(Math.floor(Math.random() * Math.min(MAX_DELAY_MS, base * 2 ** attempt)));
    }
  }

  /** Closes the kept-alive connections (tests, the benchmark, the local runner's shutdown). */
  destroy(): void {
    this.connections.destroy();
  }

  private post(operation: OperationName, body: string, payloadHash: string): Promise<HttpAnswer> {
    const date = amzDate(new Date());
    const { sessionToken } = this.options.credentials;
    const headers: Record<string, string> = {
      host: this.host,
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-date': date,
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      ...(sessionToken ? { 'x-amz-security-token': sessionToken } : {}),
    };
    const { authorization } = this.signer.sign({ method: 'POST', path: '/', headers, payloadHash }, date);
    let head = 'POST / HTTP/1.1\r\n';
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    head += `authorization: ${authorization}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return this.connections.request(head, body, this.attemptTimeoutMs, () => new AttemptTimeout(this.attemptTimeoutMs));
  }
}

/** DynamoDB's error answer: `{ "__type": "com.amazonaws.dynamodb.v20120810#Name", "message": ..., ...members }`. */
function toError(answer: HttpAnswer, attempts: number): DynamoDbError {
  let members: Record<string, unknown> = {};
  try {
    members = fromWireJson(answer.body);
  } catch {
    // Not JSON (a proxy's error page): named after the status below.
  }
  const { __type: type, message, Message, ...rest } = members;
  const headerType = String(answer.headers['x-amzn-errortype'] ?? '').split(':')[0];
  const name = (typeof type === 'string' && type ? type.slice(type.lastIndexOf('#') + 1) : headerType) || (answer.statusCode >= 500 ? 'InternalServerError' : `HttpError${answer.statusCode}`);
  const text = typeof message === 'string' ? message : typeof Message === 'string' ? Message : `DynamoDB answered HTTP ${answer.statusCode}`;
  const requestId = answer.headers['x-amzn-requestid'];
  return new DynamoDbError(name, text, answer.statusCode, typeof requestId === 'string' ? requestId : undefined, attempts, rest);
}
