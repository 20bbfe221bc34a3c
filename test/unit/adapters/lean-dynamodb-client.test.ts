/**
 * The lean DynamoDB client against a loopback HTTP server that answers as DynamoDB does (awsJson1_0):
 * the request it sends (target, signature, body), retries of throttling, 5xx and broken connections,
 * errors that are not retried, and the members of errors that the repositories read (conditions.ts).
 * The real DynamoDB behind it is exercised by the integration suite, on DynamoDB Local.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignatureV4, sha256Hex } from '../../../lambdas/adapters/aws/signature-v4.js';
import { conditionFailureItem, isConditionFailure } from '../../../lambdas/adapters/dynamodb/conditions.js';
import { LeanDynamoDbClient, type DynamoDbRequestEvent, type LeanDynamoDbClientOptions } from '../../../lambdas/adapters/dynamodb/lean-dynamodb-client.js';
import { getItem, putItem, transactWriteItems, updateItem } from '../../../lambdas/adapters/dynamodb/operations.js';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}
type Responder = (response: ServerResponse) => void;

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret', sessionToken: 'session-token' };
let server: Server;
let connections = 0;
let endpoint: string;
const received: Received[] = [];
/** The answers to give, in order; the last one repeats. */
let answers: Responder[] = [];

const json = (status: number, body: unknown): Responder => (response) => {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `request-${received.length}` });
  response.end(JSON.stringify(body));
};
const error = (status: number, name: string, members: Record<string, unknown> = {}): Responder =>
  json(status, { __type: `com.amazonaws.dynamodb.v20120810#${name}`, message: `${name} happened`, ...members });
/** Closes the connection without an answer. */
const hangUp: Responder = (response) => response.socket?.destroy();
/** Sends the JSON in two chunks (chunked transfer coding: no Content-Length). */
const chunked = (body: unknown): Responder => (response) => {
  const text = JSON.stringify(body);
  response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  response.write(text.slice(0, 5));
  setTimeout(() => response.end(text.slice(5)), 5);
};
/** Never answers. */
const silence: Responder = () => undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      answer(response);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received.length = 0;
  answers = [];
});

function client(options: Partial<LeanDynamoDbClientOptions> = {}): { client: LeanDynamoDbClient; events: DynamoDbRequestEvent[] } {
  const events: DynamoDbRequestEvent[] = [];
  const made = new LeanDynamoDbClient({
    region: 'eu-west-1',
    endpoint,
    credentials,
    retryBaseDelayMs: 1,
    throttlingBaseDelayMs: 1,
    onRequest: (event) => events.push(event),
    ...options,
  });
  return { client: made, events };
}

const get = getItem({ TableName: 't', Key: { pk: { S: 'CLIENT#a' } }, ConsistentRead: true });

describe('the request', () => {
  it('POSTs the operation JSON with its target and a SigV4 signature that verifies', async () => {
    answers = [json(200, { Item: { pk: { S: 'CLIENT#a' }, n: { N: '1' } } })];
    const { client: dynamodb } = client();
    const output = await dynamodb.execute(get);
    dynamodb.destroy();
    expect(output.Item).toEqual({ pk: { S: 'CLIENT#a' }, n: { N: '1' } });
    const [request] = received;
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(request?.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(request?.headers['x-amz-security-token']).toBe('session-token');
    expect(JSON.parse(request!.body)).toEqual(get.input);
    // The server's side of SigV4: recompute the signature from what arrived.
    const authorization = String(request?.headers.authorization);
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1] ?? '';
    expect(signedHeaders).toBe('content-type;host;x-amz-date;x-amz-security-token;x-amz-target');
    expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, /);
    const date = String(request?.headers['x-amz-date']);
    const headers = Object.fromEntries(signedHeaders.split(';').map((name) => [name, String(request?.headers[name])]));
    const expected = new SignatureV4(credentials, 'eu-west-1', 'dynamodb').sign({ method: 'POST', path: '/', headers, payloadHash: sha256Hex(request!.body) }, date);
    expect(authorization).toBe(expected.authorization);
  });

  it('sends binary attribute values as base64 and reads them back as Uint8Array', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    answers = [json(200, { Attributes: { pk: { S: 'x' }, blob: { B: Buffer.from(bytes).toString('base64') }, set: { BS: ['AAE=', '/w=='] }, B: { S: 'an attribute named B' } } })];
    const { client: dynamodb } = client();
    const output = await dynamodb.execute(
      updateItem({ TableName: 't', Key: { pk: { S: 'x' } }, UpdateExpression: 'SET blob = :b', ExpressionAttributeValues: { ':b': { B: bytes }, ':buffer': { B: Buffer.from('hi') } }, ReturnValues: 'ALL_NEW' }),
    );
    dynamodb.destroy();
    const sent = JSON.parse(received[0]!.body) as { ExpressionAttributeValues: Record<string, { B: string }> };
    expect(sent.ExpressionAttributeValues[':b']).toEqual({ B: 'AAEC+v8=' });
    expect(sent.ExpressionAttributeValues[':buffer']).toEqual({ B: Buffer.from('hi').toString('base64') });
    expect(output.Attributes?.blob?.B).toEqual(bytes);
    expect(output.Attributes?.blob?.B).toBeInstanceOf(Uint8Array);
    expect(output.Attributes?.set?.BS).toEqual([new Uint8Array([0, 1]), new Uint8Array([255])]);
    expect(output.Attributes?.B).toEqual({ S: 'an attribute named B' });
  });

  it('passes ReturnConsumedCapacity through, and reports the consumed capacity to the observer', async () => {
    answers = [json(200, { ConsumedCapacity: { TableName: 't', CapacityUnits: 1 } })];
    const { client: dynamodb, events } = client({ returnConsumedCapacity: 'TOTAL' });
    await dynamodb.execute(putItem({ TableName: 't', Item: { pk: { S: 'x' } } }));
    await dynamodb.execute(putItem({ TableName: 't', Item: { pk: { S: 'y' } }, ReturnConsumedCapacity: 'NONE' }));
    dynamodb.destroy();
    expect(JSON.parse(received[0]!.body).ReturnConsumedCapacity).toBe('TOTAL');
    // An input that names its own setting keeps it.
    expect(JSON.parse(received[1]!.body).ReturnConsumedCapacity).toBe('NONE');
    expect(events[0]).toEqual({ operation: 'PutItem', attempt: 1, statusCode: 200, consumedCapacity: { TableName: 't', CapacityUnits: 1 } });
  });
});

describe('connections', () => {
  it('keeps one connection alive across requests', async () => {
    answers = [json(200, {})];
    const { client: dynamodb } = client();
    const before = connections;
    for (let i = 0; i < 5; i++) await dynamodb.execute(get);
    dynamodb.destroy();
    expect(received).toHaveLength(5);
    expect(connections - before).toBe(1);
  });

  it('opens a new connection, without an error, when the server closed the idle one', async () => {
    answers = [json(200, {})];
    const { client: dynamodb, events } = client();
    await dynamodb.execute(get);
    server.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await dynamodb.execute(get);
    dynamodb.destroy();
    expect(events.map((event) => event.statusCode)).toEqual([200, 200]);
  });

  it('reads an answer in chunked transfer coding', async () => {
    answers = [chunked({ Item: { pk: { S: 'CLIENT#a' }, name: { S: 'Zoë' } } })];
    const { client: dynamodb } = client();
    expect((await dynamodb.execute(get)).Item).toEqual({ pk: { S: 'CLIENT#a' }, name: { S: 'Zoë' } });
    // And the connection stays usable after it.
    expect((await dynamodb.execute(get)).Item).toEqual({ pk: { S: 'CLIENT#a' }, name: { S: 'Zoë' } });
    dynamodb.destroy();
  });
});

describe('retries', () => {
  it('retries throttling, then returns the answer that succeeded', async () => {
    answers = [error(400, 'ProvisionedThroughputExceededException'), error(400, 'ThrottlingException'), json(200, { Item: { pk: { S: 'CLIENT#a' } } })];
    const { client: dynamodb, events } = client();
    expect((await dynamodb.execute(get)).Item).toEqual({ pk: { S: 'CLIENT#a' } });
    dynamodb.destroy();
    expect(received).toHaveLength(3);
    expect(events.map((event) => [event.attempt, event.statusCode, event.error])).toEqual([
      [1, 400, 'ProvisionedThroughputExceededException'],
      [2, 400, 'ThrottlingException'],
      [3, 200, undefined],
    ]);
  });

  it('retries a 500 at most 3 attempts in all, then throws it with its status', async () => {
    answers = [error(500, 'InternalServerError')];
    const { client: dynamodb } = client();
    const failure = await dynamodb.execute(get).catch((thrown: unknown) => thrown);
    dynamodb.destroy();
    expect(received).toHaveLength(3);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500, attempts: 3 } });
  });

  it('retries a connection closed without an answer', async () => {
    answers = [hangUp, json(200, {})];
    const { client: dynamodb, events } = client();
    expect(await dynamodb.execute(get)).toEqual({});
    dynamodb.destroy();
    expect(received).toHaveLength(2);
    expect(events[0]?.statusCode).toBeUndefined();
    expect(events[0]?.error).toBe('ECONNRESET');
  });

  it('gives up an attempt after its timeout, and the operation after the last attempt', async () => {
    answers = [silence];
    const { client: dynamodb } = client({ attemptTimeoutMs: 100, maxAttempts: 2 });
    const failure = await dynamodb.execute(get).catch((thrown: unknown) => thrown);
    dynamodb.destroy();
    expect(received).toHaveLength(2);
    expect(failure).toMatchObject({ name: 'TimeoutError' });
  });

  it('does not retry a validation error', async () => {
    answers = [json(400, { __type: 'com.amazon.coral.validate#ValidationException', message: 'One or more parameter values were invalid' })];
    const { client: dynamodb } = client();
    const failure = await dynamodb.execute(get).catch((thrown: unknown) => thrown);
    dynamodb.destroy();
    expect(received).toHaveLength(1);
    expect(failure).toMatchObject({ name: 'ValidationException', message: 'One or more parameter values were invalid', $fault: 'client', $metadata: { httpStatusCode: 400, requestId: 'request-1', attempts: 1 } });
  });
});

describe('condition failures, as the repositories read them', () => {
  it('a ConditionalCheckFailedException is thrown at once, with the old item', async () => {
    answers = [error(400, 'ConditionalCheckFailedException', { Item: { pk: { S: 'AUTHREQ#1' }, clientId: { S: 'c' } } })];
    const { client: dynamodb } = client();
    const failure = await dynamodb.execute(putItem({ TableName: 't', Item: { pk: { S: 'AUTHREQ#1' } }, ConditionExpression: 'attribute_not_exists(pk)' })).catch((thrown: unknown) => thrown);
    dynamodb.destroy();
    expect(received).toHaveLength(1);
    expect(isConditionFailure(failure)).toBe(true);
    expect(conditionFailureItem(failure)).toEqual({ pk: { S: 'AUTHREQ#1' }, clientId: { S: 'c' } });
  });

  it('a TransactionCanceledException carries its CancellationReasons, the first one\'s item readable', async () => {
    const reasons = [{ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { pk: { S: 'AUTHREQ#2' } } }, { Code: 'None' }];
    answers = [error(400, 'TransactionCanceledException', { CancellationReasons: reasons })];
    const { client: dynamodb } = client();
    const failure = await dynamodb.execute(transactWriteItems({ TransactItems: [] })).catch((thrown: unknown) => thrown);
    dynamodb.destroy();
    expect(received).toHaveLength(1);
    expect(failure).toMatchObject({ name: 'TransactionCanceledException', CancellationReasons: reasons, $metadata: { httpStatusCode: 400 } });
    expect(isConditionFailure(failure)).toBe(false);
    expect(conditionFailureItem(failure)).toEqual({ pk: { S: 'AUTHREQ#2' } });
  });
});
