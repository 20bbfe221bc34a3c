/**
 * The external channel when the operator's authentication service fails (docs/external-service.md,
 * "Timeouts and retries", "When the service is down"): the client gets 503 temporarily_unavailable
 * with Retry-After, never an auth_req_id that cannot succeed; start-authentication is retried on 5xx
 * within the request's 7 s budget, verify-user is not; a request that could not be started is removed;
 * and the operator gets a log line and an embedded-format metric naming the service.
 *
 * The reference service (examples/reference-external-service/) plays the service, with its down switch
 * and failure scripts; the provider is served on a loopback port so that the service's callbacks reach it.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi, type MockInstance } from 'vitest';
import { startReferenceService, type ReceivedCall, type ReferenceService } from '../../examples/reference-external-service/server.js';
import { DynamoDbAuthRequestRepository } from '../../lambdas/adapters/dynamodb/auth-request-repository.js';
import type { Feature } from '../../lambdas/routes.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { startServer } from '../../local/server.js';
import { backchannel, call, expectError, poll, registerClient, type CallResult, type TestClient } from '../support/provider.js';
import { waitUntil } from '../support/receiver.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

const SERVICE_NAME = 'examplebank-auth-service';
const SERVICE_USERNAME = 'ciba-provider';
const SERVICE_PASSWORD = 'external-availability-test-password';
/** docs/external-service.md: all the calls of one backchannel request end within 7 s. */
const BUDGET_MS = 7000;
const TIMEOUT_MS = 10_000;

let server: Server;
let issuer: string;
let service: ReferenceService;
let client: TestClient;
const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
let authRequests: DynamoDbAuthRequestRepository;
let warnings: MockInstance<typeof console.warn>;
let logs: MockInstance<typeof console.log>;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', features: new Set<Feature>(['simulator', 'automatedApproval']) });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service = await startReferenceService({ users: [{ sub: 'jane.doe', allowed: true }], basic: { username: SERVICE_USERNAME, password: SERVICE_PASSWORD } });
  // Before the first handler call: the handlers read their configuration once.
  Object.assign(process.env, {
    CIBA_ISSUER: issuer,
    CIBA_ACR_POLICIES: JSON.stringify({ ciba: { channel: 'device' }, 'bank-app': { channel: 'external' } }),
    CIBA_EXTERNAL_SERVICE_URL: service.url,
    CIBA_EXTERNAL_SERVICE_AUTH: 'basic',
    CIBA_EXTERNAL_SERVICE_USERNAME: SERVICE_USERNAME,
    CIBA_EXTERNAL_SERVICE_PASSWORD: SERVICE_PASSWORD,
    CIBA_EXTERNAL_SERVICE_NAME: SERVICE_NAME,
  });
  authRequests = new DynamoDbAuthRequestRepository(sdkDynamoDb(dynamodb), String(process.env.CIBA_TABLE_NAME), { expiredRetentionSeconds: 86_400 });
  client = await registerClient();
  warnings = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
});

beforeEach(async () => {
  warnings.mockClear();
  logs.mockClear();
  await control('/control/up');
  await control('/control/start-failures', { answers: [] });
  await control('/control/verify-failures', { answers: [] });
});

afterAll(async () => {
  warnings?.mockRestore();
  logs?.mockRestore();
  await service?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  dynamodb.destroy();
});

// ---------------------------------------------------------------------------------------------------
// Helpers

/** The reference service's control API. */
async function control(path: string, body: unknown = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await response.text();
  expect(response.status, `${path}: ${text}`).toBeLessThan(300);
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A bank-app request with a binding message unique to the test, to find the service's calls by. */
function bankApp(tag: string, form: Record<string, string> = {}): Promise<CallResult> {
  return backchannel(client, { scope: 'openid', login_hint: 'jane.doe', acr_values: 'bank-app', binding_message: tag, ...form });
}

const newTag = (): string => `REF-${randomUUID().slice(0, 8)}`;

const callsWith = (operation: ReceivedCall['operation'], tag: string): ReceivedCall[] =>
  service.state.calls.filter((received) => received.operation === operation && (received.body as { binding_message?: unknown } | undefined)?.binding_message === tag);

interface StartBody {
  auth_req_id: string;
  callback: { url: string; credential: string };
}

const startBodies = (tag: string): StartBody[] => callsWith('start-authentication', tag).map((received) => received.body as StartBody);

function jsonLines(spy: MockInstance<typeof console.warn> | MockInstance<typeof console.log>): Record<string, unknown>[] {
  return spy.mock.calls.flatMap((args) => {
    try {
      const parsed: unknown = JSON.parse(String(args[0]));
      return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

/** The operator's log lines about the service's failures. */
const failureLogs = (): Record<string, unknown>[] => jsonLines(warnings).filter((line) => line.message === 'external authentication service unavailable');

/** CloudWatch embedded metric format lines for ExternalServiceFailures. */
function failureMetrics(): Record<string, unknown>[] {
  return jsonLines(logs).filter((line) => {
    const aws = line._aws as { CloudWatchMetrics?: { Metrics?: { Name?: string }[] }[] } | undefined;
    return aws?.CloudWatchMetrics?.some((directive) => directive.Metrics?.some((metric) => metric.Name === 'ExternalServiceFailures')) === true;
  });
}

function expectUnavailable(result: CallResult): void {
  expectError(result, 503, 'temporarily_unavailable');
  expect(result.headers['retry-after']).toBe('30');
  expect(result.json.auth_req_id).toBeUndefined();
}

// ---------------------------------------------------------------------------------------------------

describe('the service down', () => {
  it('bc-authorize answers 503 temporarily_unavailable with Retry-After; the log line and the metric name the service', async () => {
    await control('/control/down');
    const tag = newTag();
    expectUnavailable(await bankApp(tag));
    // verify-user was asked, answered 503, and nothing was started.
    expect(callsWith('verify-user', tag).map((received) => received.answer)).toEqual([503]);
    expect(callsWith('start-authentication', tag)).toEqual([]);

    expect(failureLogs()).toEqual([expect.objectContaining({ level: 'WARN', service: SERVICE_NAME, operation: 'verify-user', reason: 'HTTP 503' })]);
    const [metric, ...more] = failureMetrics();
    expect(more).toEqual([]);
    expect(metric).toMatchObject({ Service: SERVICE_NAME, Operation: 'verify-user', ExternalServiceFailures: 1 });
    expect(metric?._aws).toMatchObject({ CloudWatchMetrics: [{ Namespace: 'CibaProvider', Dimensions: [['Service', 'Operation']], Metrics: [{ Name: 'ExternalServiceFailures', Unit: 'Count' }] }] });
  });

  it('requests for an acr served by devices are not affected', async () => {
    await control('/control/down');
    const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', acr_values: 'ciba' });
    expect(result.status, result.body).toBe(200);
    expect(failureMetrics()).toEqual([]);
  });

  it('once the service is up again, the same request succeeds', async () => {
    await control('/control/down');
    expectUnavailable(await bankApp(newTag()));
    await control('/control/up');
    const result = await bankApp(newTag());
    expect(result.status, result.body).toBe(200);
  });
});

describe('verify-user is not retried', () => {
  it('one 500 from verify-user: 503 at once, one verify call, nothing started', async () => {
    await control('/control/verify-failures', { answers: [500] });
    const tag = newTag();
    expectUnavailable(await bankApp(tag));
    expect(callsWith('verify-user', tag).map((received) => received.answer)).toEqual([500]);
    expect(callsWith('start-authentication', tag)).toEqual([]);
    expect(failureLogs()).toEqual([expect.objectContaining({ service: SERVICE_NAME, operation: 'verify-user', reason: 'HTTP 500' })]);
  });

  it('a dropped connection: 503, and the log line says it was no HTTP answer', async () => {
    await control('/control/verify-failures', { answers: ['drop'] });
    const tag = newTag();
    expectUnavailable(await bankApp(tag));
    expect(callsWith('verify-user', tag).map((received) => received.answer)).toEqual(['drop']);
    const [line, ...more] = failureLogs();
    expect(more).toEqual([]);
    expect(line).toMatchObject({ service: SERVICE_NAME, operation: 'verify-user' });
    expect(String(line?.reason)).not.toMatch(/^HTTP /);
  });
});

describe('start-authentication is retried', () => {
  it('two 503s then success: 200, the retries absorbed; one authentication started, with the same callback every time', async () => {
    await control('/control/start-failures', { count: 2, status: 503 });
    const tag = newTag();
    const result = await bankApp(tag);
    expect(result.status, result.body).toBe(200);
    const authReqId = String(result.json.auth_req_id);

    const attempts = callsWith('start-authentication', tag);
    expect(attempts.map((received) => received.answer)).toEqual([503, 503, 202]);
    const bodies = startBodies(tag);
    expect(new Set(bodies.map((body) => body.auth_req_id))).toEqual(new Set([authReqId]));
    expect(new Set(bodies.map((body) => body.callback.credential)).size).toBe(1);
    expect(service.state.authentications.get(authReqId)?.starts).toBe(1);
    expect(failureMetrics()).toEqual([]);

    // A live request: the service can decide it and the client gets tokens.
    const accepted = await fetch(`${service.url}/authentications/${authReqId}/accept`, { method: 'POST', signal: AbortSignal.timeout(TIMEOUT_MS) });
    expect(accepted.status, await accepted.text()).toBe(200);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
  });

  it('503 on every attempt: 503 temporarily_unavailable, and the request no longer exists', async () => {
    await control('/control/start-failures', { count: 10, status: 503 });
    const tag = newTag();
    expectUnavailable(await bankApp(tag));
    expect(callsWith('start-authentication', tag).map((received) => received.answer)).toEqual([503, 503, 503]);

    const [body] = startBodies(tag);
    expect(body).toBeDefined();
    const authReqId = String(body?.auth_req_id);
    expect(await authRequests.find(authReqId)).toBeUndefined();
    // The credential the service was given decides nothing.
    expectError(await call('POST', `/external/callback/${encodeURIComponent(authReqId)}`, { headers: { authorization: `Bearer ${body?.callback.credential}` }, json: { result: 'accept' } }), 404, 'not_found');

    expect(failureLogs()).toEqual([expect.objectContaining({ service: SERVICE_NAME, operation: 'start-authentication', reason: 'HTTP 503' })]);
    expect(failureMetrics()).toEqual([expect.objectContaining({ Service: SERVICE_NAME, Operation: 'start-authentication', ExternalServiceFailures: 1 })]);
  });

  it('a 400 is not retried: one attempt, 503, the request removed', async () => {
    await control('/control/start-failures', { answers: [400] });
    const tag = newTag();
    expectUnavailable(await bankApp(tag));
    expect(callsWith('start-authentication', tag).map((received) => received.answer)).toEqual([400]);
    expect(await authRequests.find(String(startBodies(tag)[0]?.auth_req_id))).toBeUndefined();
    expect(failureLogs()).toEqual([expect.objectContaining({ operation: 'start-authentication', reason: 'HTTP 400' })]);
  });

  it(
    'a service that never answers in time: the client hears within the 7 s budget, and a start the service completes late finds nothing',
    { timeout: 40_000 },
    async () => {
      // Each attempt is handled only after 4 s, past the provider's 3 s per-call timeout.
      await control('/control/start-failures', { answers: [{ delayMs: 4000 }, { delayMs: 4000 }, { delayMs: 4000 }] });
      const tag = newTag();
      const began = Date.now();
      const result = await bankApp(tag);
      const elapsed = Date.now() - began;
      expectUnavailable(result);
      // The budget, plus a little for the client and user lookups and removing the request: well within
      // the function's 10 s.
      expect(elapsed).toBeLessThan(BUDGET_MS + 1500);
      expect(failureLogs()).toEqual([expect.objectContaining({ operation: 'start-authentication', reason: 'timeout' })]);

      // The service handles the first attempt late and starts the user's authentication...
      await waitUntil(() => startBodies(tag).length > 0, 8000, 'the late start to be handled');
      const authReqId = String(startBodies(tag)[0]?.auth_req_id);
      expect(service.state.authentications.has(authReqId)).toBe(true);
      expect(await authRequests.find(authReqId)).toBeUndefined();
      // ...but the provider removed the request: the user's decision finds nothing.
      const late = await fetch(`${service.url}/authentications/${authReqId}/accept`, { method: 'POST', signal: AbortSignal.timeout(TIMEOUT_MS) });
      expect(late.status).toBe(404);
      expect(JSON.parse(await late.text())).toMatchObject({ error: 'not_found' });
    },
  );
});
