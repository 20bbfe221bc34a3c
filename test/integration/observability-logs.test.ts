/**
 * Logs and metrics of a whole flow (lambdas/adapters/observability/): every secret that flows through
 * the provider in a real ping flow on DynamoDB Local (registration, backchannel request with a user
 * code and a binding message, device enrollment and a signed decision, the ping, the tokens and the
 * endpoints that take them back, failed client authentications, a dead letter, an unexpected error)
 * is collected as it is used, and none of them may appear in anything the functions wrote to stdout
 * or stderr. The lines must be JSON with level, message, service and, where a request is known, its
 * correlation id; the metrics (EMF) must carry the agreed names and dimensions.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correlationIdOf } from '../../lambdas/adapters/observability/correlation.js';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { TEST_INITIAL_ACCESS_TOKEN } from '../support/constants.js';
import { createUserHere, deviceAuthorization, enrollmentCodeFor, signDecision, transactionOf, type TestDevice } from '../support/device.js';
import { handBuiltJwt } from '../support/jwt.js';
import { basic, call, decide, registerClient, type CallResult } from '../support/provider.js';
import { notificationToken, useDeliveryHarness } from '../support/workers.js';

// Read when the handlers load, on the first request below: metrics on (the local runner turns them
// off), a dead letter after one failed attempt.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
process.env.LOG_LEVEL = 'INFO';
process.env.POWERTOOLS_SERVICE_NAME = 'ciba-observability-test';
process.env.CIBA_DELIVERY_MAX_ATTEMPTS = '1';

const harness = useDeliveryHarness('observability');
const ARRIVAL_MS = 10_000;

/** Everything the functions wrote, one entry per write; and every secret that went in or came out. */
const written: string[] = [];
const secrets = new Map<string, string>();
const keep = (what: string, value: string): string => {
  secrets.set(what, value);
  return value;
};

const restore: (() => void)[] = [];
function capture(stream: NodeJS.WriteStream): void {
  const original = stream.write;
  stream.write = ((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof stream.write;
  restore.push(() => (stream.write = original));
}

type Line = Record<string, unknown>;
const lines = (): Line[] => written.flatMap((text) => text.split('\n')).filter((text) => text.trim() !== '').map((text) => JSON.parse(text) as Line);
const logLines = (): Line[] => lines().filter((line) => line._aws === undefined);
const metricLines = (): Line[] => lines().filter((line) => line._aws !== undefined);
const dimensionsOf = (line: Line): string[][] => (line._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]!.Dimensions;
const metricNamesOf = (line: Line): string[] => (line._aws as { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0]!.Metrics.map((metric) => metric.Name);
const namespaceOf = (line: Line): string => (line._aws as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0]!.Namespace;

function ok(result: CallResult, status = 200): CallResult {
  expect(result.status, result.body).toBe(status);
  return result;
}

let authReqId = '';
let deniedAuthReqId = '';
let deadAuthReqId = '';

beforeAll(async () => {
  capture(process.stdout);
  capture(process.stderr);

  // Registration: the initial access token in, the client secret out.
  keep('initial access token', TEST_INITIAL_ACCESS_TOKEN);
  const pingPath = `/ping/${randomUUID()}`;
  const client = await registerClient({
    backchannel_token_delivery_mode: 'ping',
    backchannel_client_notification_endpoint: harness.receiver.url(pingPath),
    backchannel_user_code_parameter: true,
  });
  keep('client_secret', client.clientSecret);
  const authorization = keep('Basic credentials', basic(client).authorization!.slice('Basic '.length));

  // A user with a user code and an enrolled device: the enrollment code and the push token go in.
  const userCode = keep('user_code', `uc-${randomBytes(6).toString('hex')}`);
  const loginHint = await createUserHere({ userCode });
  const enrollmentCode = keep('enrollment_code', await enrollmentCodeFor(loginHint));
  const pushToken = keep('push_token', `push-${randomBytes(12).toString('hex')}`);
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const enrolled = ok(await call('POST', '/device/enroll', { json: { enrollment_code: enrollmentCode, public_key: { kty, crv, x, y }, platform: 'FCM', push_token: pushToken } }), 201);
  const device: TestDevice = { deviceId: String(enrolled.json.device_id), sub: String(enrolled.json.sub), privateKey, enrollment: enrolled.json };

  // The backchannel request: binding message, user code and notification token in; auth_req_id out.
  const bindingMessage = keep('binding_message', `Pay 12 EUR ${randomBytes(3).toString('hex')}`);
  const clientNotificationToken = keep('client_notification_token', notificationToken());
  authReqId = keep('auth_req_id', String(ok(await call('POST', '/bc-authorize', {
    headers: { authorization: `Basic ${authorization}` },
    form: { scope: 'openid', login_hint: loginHint, user_code: userCode, binding_message: bindingMessage, client_notification_token: clientNotificationToken },
  })).json.auth_req_id));

  // The device reads and approves it: device JWTs and the signed decision in.
  const viewPath = `/device/auth-requests/${authReqId}`;
  const viewAuthorization = keep('device JWT (read)', (await deviceAuthorization(device, 'GET', viewPath)).authorization!);
  const view = ok(await call('GET', viewPath, { headers: { authorization: viewAuthorization } }));
  const transaction = transactionOf(view.json, 'approve');
  const signedDecision = keep('signed_decision', await signDecision(device, transaction));
  const decisionPath = `${viewPath}/decision`;
  const decisionAuthorization = keep('device JWT (decision)', (await deviceAuthorization(device, 'POST', decisionPath)).authorization!);
  ok(await call('POST', decisionPath, { headers: { authorization: decisionAuthorization }, json: { signed_decision: signedDecision, transaction } }));

  // The ping arrives; the client redeems the auth_req_id: the tokens come out.
  await harness.receiver.waitForRequests(pingPath, 1, ARRIVAL_MS);
  await harness.pipeline.deliveryReaches(authReqId, 'delivered');
  const tokens = ok(await call('POST', '/token', { headers: basic(client), form: { grant_type: CIBA_GRANT_TYPE, auth_req_id: authReqId } }));
  const accessToken = keep('access_token', String(tokens.json.access_token));
  keep('id_token', String(tokens.json.id_token));

  // The tokens go back in: userinfo, introspection, revocation.
  ok(await call('GET', '/userinfo', { headers: { authorization: `Bearer ${accessToken}` } }));
  ok(await call('POST', '/introspect', { headers: basic(client), form: { token: accessToken } }));
  ok(await call('POST', '/revoke', { headers: basic(client), form: { token: accessToken, token_type_hint: 'access_token' } }));

  // Requests that fail, with secrets of other shapes: a wrong secret, a client assertion, a request
  // object, an id_token_hint and a login_hint_token that are not valid.
  const wrongSecret = keep('wrong client_secret', `wrong-${randomBytes(8).toString('hex')}`);
  expect((await call('POST', '/bc-authorize', { headers: basic(client, wrongSecret), form: { scope: 'openid', login_hint: loginHint } })).status).toBe(401);
  const assertion = keep('client_assertion', handBuiltJwt({ alg: 'ES256', typ: 'JWT' }, { iss: client.clientId, sub: client.clientId, aud: 'x', jti: randomUUID() }, 'c2lnbmF0dXJl'));
  expect((await call('POST', '/token', { form: { grant_type: CIBA_GRANT_TYPE, auth_req_id: authReqId, client_id: client.clientId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion } })).status).toBe(401);
  const requestObject = keep('request object', handBuiltJwt({ alg: 'ES256' }, { iss: client.clientId, login_hint: loginHint, binding_message: bindingMessage }, 'c2lnbmF0dXJl'));
  expect((await call('POST', '/bc-authorize', { headers: basic(client), form: { request: requestObject } })).status).toBe(400);
  const idTokenHint = keep('id_token_hint', handBuiltJwt({ alg: 'ES256' }, { iss: 'https://elsewhere.example', sub: loginHint }, 'c2lnbmF0dXJl'));
  expect((await call('POST', '/bc-authorize', { headers: basic(client), form: { scope: 'openid', id_token_hint: idTokenHint, user_code: userCode } })).status).toBe(400);
  const loginHintToken = keep('login_hint_token', handBuiltJwt({ alg: 'ES256' }, { sub_id: { format: 'email', email: 'x@example.com' } }, 'c2lnbmF0dXJl'));
  expect((await call('POST', '/bc-authorize', { headers: basic(client), form: { scope: 'openid', login_hint_token: loginHintToken, user_code: userCode } })).status).toBe(400);

  // A denial through the automated approval hook (another decision channel).
  deniedAuthReqId = keep('auth_req_id (denied)', String(ok(await call('POST', '/bc-authorize', {
    headers: basic(client),
    form: { scope: 'openid', login_hint: loginHint, user_code: userCode, client_notification_token: clientNotificationToken },
  })).json.auth_req_id));
  ok(await decide(deniedAuthReqId, 'deny'));
  await harness.pipeline.deliveryReaches(deniedAuthReqId, 'delivered');

  // A notification endpoint that fails: with one attempt allowed, the ping becomes a dead letter.
  const failingPath = `/failing/${randomUUID()}`;
  harness.receiver.script(failingPath, [500]);
  const failing = await registerClient({ backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: harness.receiver.url(failingPath) });
  keep('client_secret (failing client)', failing.clientSecret);
  deadAuthReqId = keep('auth_req_id (dead letter)', String(ok(await call('POST', '/bc-authorize', {
    headers: basic(failing),
    form: { scope: 'openid', login_hint: 'jane.doe', client_notification_token: keep('client_notification_token (failing)', notificationToken()) },
  })).json.auth_req_id));
  ok(await decide(deadAuthReqId, 'allow'));
  await harness.pipeline.deliveryReaches(deadAuthReqId, 'failed');
}, 120_000);

afterAll(() => {
  for (const undo of restore) undo();
});

describe('logs', () => {
  it('hold none of the secrets that flowed, nor any auth_req_id', () => {
    expect(secrets.size).toBeGreaterThan(15);
    const everything = written.join('');
    expect(everything.length).toBeGreaterThan(0);
    for (const [what, value] of secrets) expect(everything.includes(value), `${what} appears in the logs`).toBe(false);
  });

  it('are JSON lines with level, message, timestamp and service', () => {
    expect(logLines().length).toBeGreaterThan(10);
    for (const line of logLines()) {
      expect(line).toMatchObject({ level: expect.stringMatching(/^(DEBUG|INFO|WARN|ERROR|CRITICAL)$/), message: expect.any(String), timestamp: expect.any(String), service: 'ciba-observability-test' });
    }
  });

  it('carry the correlation id of the request they are about, from its creation to its delivery', () => {
    const about = (id: string) => logLines().filter((line) => line.correlationId === correlationIdOf(id));
    const messages = about(authReqId).map((line) => `${String(line.message)} ${String(line.endpoint ?? line.channel ?? line.outcome ?? '')}`);
    expect(messages).toEqual(expect.arrayContaining([
      'request answered /bc-authorize',
      'request answered /device/auth-requests/{auth_req_id}',
      'decision recorded device',
      'request answered /device/auth-requests/{auth_req_id}/decision',
      'notification attempt settled delivered',
      'request answered /token',
    ]));
    expect(about(deniedAuthReqId).map((line) => line.message)).toContain('decision recorded');
    expect(about(deadAuthReqId).find((line) => line.message === 'notification attempt settled')).toMatchObject({ level: 'WARN', mode: 'ping', outcome: 'dead_letter' });
  });
});

describe('metrics', () => {
  it('count requests by endpoint and outcome, in namespace CIBA with the service dimension', () => {
    const requests = metricLines().filter((line) => metricNamesOf(line).includes('Requests'));
    for (const line of requests) expect(namespaceOf(line)).toBe('CIBA');
    expect(requests.map((line) => `${String(line.endpoint)} ${String(line.outcome)}`)).toEqual(expect.arrayContaining([
      '/bc-authorize ok', '/bc-authorize invalid_client', '/bc-authorize invalid_request', '/token ok', '/token invalid_client', '/userinfo ok',
    ]));
    expect(requests.every((line) => line.service === 'ciba-observability-test' && dimensionsOf(line)[0]!.includes('service'))).toBe(true);
    const latency = metricLines().find((line) => metricNamesOf(line).includes('Latency') && line.endpoint === '/token');
    expect(latency).toMatchObject({ Latency: expect.any(Number) });
    expect(dimensionsOf(latency!)).toEqual([['service', 'endpoint']]);
    // ServerErrors by service only: an endpoint dimension never lands on the shared set.
    const serverErrors = metricLines().filter((line) => metricNamesOf(line).includes('ServerErrors'));
    expect(serverErrors.length).toBeGreaterThan(0);
    for (const line of serverErrors) expect(dimensionsOf(line)).toEqual([['service']]);
  });

  it('count decisions by channel and deliveries by mode and outcome; DeliveryFailures has the service dimension only', () => {
    const decisions = metricLines().filter((line) => metricNamesOf(line).includes('Decisions')).map((line) => `${String(line.decision)} ${String(line.channel)}`);
    expect(decisions).toEqual(expect.arrayContaining(['approved device', 'denied automated', 'approved automated']));
    const deliveries = metricLines().filter((line) => metricNamesOf(line).includes('Deliveries')).map((line) => `${String(line.mode)} ${String(line.outcome)}`);
    expect(deliveries).toEqual(expect.arrayContaining(['ping delivered', 'ping dead_letter']));
    const failures = metricLines().filter((line) => metricNamesOf(line).includes('DeliveryFailures'));
    for (const line of failures) expect({ namespace: namespaceOf(line), dimensions: dimensionsOf(line) }).toEqual({ namespace: 'CIBA', dimensions: [['service']] });
    const total = failures.flatMap((line) => [line.DeliveryFailures].flat() as number[]).reduce((sum, value) => sum + value, 0);
    expect(total).toBe(1);
  });
});

describe('an unexpected error', () => {
  it('is logged with its name, message and stack, never with the request', async () => {
    const { handler } = (await import('../../lambdas/handlers/token.js')) as { handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult> };
    const secret = `client-secret-${randomBytes(8).toString('hex')}`;
    const credentials = Buffer.from(`some-client:${secret}`).toString('base64');
    const body = `grant_type=${encodeURIComponent(CIBA_GRANT_TYPE)}&auth_req_id=${authReqId}&client_secret=${secret}`;
    const before = written.length;
    // A malformed event (a header that is not a list): the adapter throws a TypeError, not an OAuth error.
    const event = {
      resource: '/token', path: '/token', httpMethod: 'POST', body, isBase64Encoded: false,
      headers: { authorization: `Basic ${credentials}` },
      multiValueHeaders: { authorization: `Basic ${credentials}` },
      queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null, stageVariables: null,
      requestContext: {},
    } as unknown as APIGatewayProxyEvent;
    const context = { awsRequestId: randomUUID(), functionName: 'token', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
    const response = await handler(event, context);

    expect({ status: response.statusCode, body: JSON.parse(response.body) as unknown }).toEqual({ status: 500, body: { error: 'server_error', error_description: 'the server met an unexpected condition' } });
    const since = written.slice(before).join('');
    for (const value of [secret, credentials, body]) expect(since.includes(value)).toBe(false);
    const logged = since.split('\n').filter(Boolean).map((text) => JSON.parse(text) as Line).find((line) => line.message === 'unexpected error');
    expect(logged).toMatchObject({ level: 'ERROR', error: { name: 'TypeError', message: expect.any(String), stack: expect.stringContaining('TypeError') } });
    expect(Object.keys(logged!)).not.toEqual(expect.arrayContaining(['event']));
  });
});
