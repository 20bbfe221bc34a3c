/**
 * Per-user limits on backchannel requests (issue 8): at most 3 pending and 5 per clock minute in this
 * file (this file is its own process, so the limits apply to its handlers only; the local runner turns
 * them off). A refused request is 403 access_denied with Retry-After and stores nothing; other users are
 * unaffected; a decision or an expiry frees a pending slot; concurrent requests never overshoot.
 */
process.env.CIBA_USER_MAX_PENDING_REQUESTS = '3';
process.env.CIBA_USER_REQUESTS_PER_MINUTE = '5';

import { randomBytes } from 'node:crypto';
import { GetItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAuthRequestRepository } from '../../lambdas/adapters/dynamodb/auth-request-repository.js';
import type { AuthRequest } from '../../lambdas/core/model.js';
import type { CreateOutcome, UserRequestLimits } from '../../lambdas/core/ports.js';
import { decideOnDevice, enrollDevice, withTable } from '../support/device.js';
import { authReqIdOf, createTestUser } from '../support/jwt.js';
import { backchannel, decide, expectError, registerClient, type CallResult, type TestClient } from '../support/provider.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

let client: TestClient;

beforeAll(async () => {
  client = await registerClient();
});

const request = (username: string, form: Record<string, string> = {}): Promise<CallResult> => backchannel(client, { scope: 'openid', login_hint: username, ...form });

function expectRefused(result: CallResult, limit: RegExp): number {
  expectError(result, 403, 'access_denied');
  expect(result.json.error_description).toMatch(limit);
  expect(result.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  return Number(result.headers['retry-after']);
}

/** The user's stored auth requests: a test-only Scan of DynamoDB Local (the provider never scans). */
async function storedRequestsOf(sub: string): Promise<string[]> {
  return withTable(async (dynamodb, tableName) => {
    const ids: string[] = [];
    let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    for (let page = 0; page < 1000; page++) {
      const { Items = [], LastEvaluatedKey } = await dynamodb.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'begins_with(pk, :prefix) AND #sub = :sub',
          ExpressionAttributeNames: { '#sub': 'sub' },
          ExpressionAttributeValues: { ':prefix': { S: 'AUTHREQ#' }, ':sub': { S: sub } },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      ids.push(...Items.map((item) => String(item.authReqId?.S)));
      if (!LastEvaluatedKey) return ids;
      start = LastEvaluatedKey;
    }
    throw new Error('too many scan pages');
  });
}

async function pendingSetOf(sub: string): Promise<string[]> {
  return withTable(async (dynamodb, tableName) => {
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `PENDING-OF#${sub}` } }, ConsistentRead: true }));
    return Item?.requests?.SS ?? [];
  });
}

/** Waits (at most 20 s) until at least 35 s of the current minute are left, so a short run stays in one window. */
async function startOfAMinute(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 25_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
}

describe('requests per minute (5)', () => {
  it('refuses the 6th request of a minute for one user with 403 access_denied and Retry-After, stores nothing, and leaves another user alone', async () => {
    const username = await createTestUser();
    const other = await createTestUser();
    await startOfAMinute();
    const minute = Math.floor(Date.now() / 60_000);
    const accepted: string[] = [];
    for (let i = 0; i < 5; i++) {
      const authReqId = authReqIdOf(await request(username));
      accepted.push(authReqId);
      // Denied at once: the pending limit (3) is not what this test is about.
      expect((await decide(authReqId, 'deny')).status).toBe(200);
    }
    const refused = await request(username);
    const now = Date.now();
    // Five requests and a refusal take seconds, not 35: still the same window.
    expect(Math.floor(now / 60_000)).toBe(minute);
    const retryAfter = expectRefused(refused, /too many authentication requests for this user in this minute/);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((60_000 - (now % 60_000)) / 1000) + 1);
    expect((await storedRequestsOf(username)).sort()).toEqual([...accepted].sort());

    authReqIdOf(await request(other));
  }, 90_000);
});

describe('pending requests (3)', () => {
  it('refuses a 4th pending request with Retry-After until the earliest expiry, and stores nothing', async () => {
    const username = await createTestUser();
    const accepted = [];
    for (let i = 0; i < 3; i++) accepted.push(authReqIdOf(await request(username, { requested_expiry: '120' })));
    const retryAfter = expectRefused(await request(username), /too many pending authentication requests for this user/);
    expect(retryAfter).toBeGreaterThan(100);
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect((await storedRequestsOf(username)).sort()).toEqual([...accepted].sort());
    expect((await pendingSetOf(username)).sort()).toEqual([...accepted].sort());
  });

  it("frees a slot when the user's device decides, in the decision's own write", async () => {
    const username = await createTestUser();
    const device = await enrollDevice(username);
    const accepted = [];
    for (let i = 0; i < 3; i++) accepted.push(authReqIdOf(await request(username)));
    expectRefused(await request(username), /pending/);
    expect((await decideOnDevice(device, accepted[0]!, 'approve')).status).toBe(200);
    expect((await pendingSetOf(username)).sort()).toEqual(accepted.slice(1).sort());
    authReqIdOf(await request(username));
  });

  it('frees a slot when the automated approval hook denies (found settled once the set is full)', async () => {
    const username = await createTestUser();
    const accepted = [];
    for (let i = 0; i < 3; i++) accepted.push(authReqIdOf(await request(username)));
    expect((await decide(accepted[1]!, 'deny')).status).toBe(200);
    const fourth = authReqIdOf(await request(username));
    expect((await pendingSetOf(username)).sort()).toEqual([accepted[0]!, accepted[2]!, fourth].sort());
    expectRefused(await request(username), /pending/);
  });

  it('frees a slot when a request expires', async () => {
    const username = await createTestUser();
    authReqIdOf(await request(username));
    authReqIdOf(await request(username));
    const shortLived = authReqIdOf(await request(username, { requested_expiry: '1' }));
    const expiresAt = Date.now() + 1000;
    let result = await request(username);
    // Refused while the short-lived one is still pending (unless this machine took a second to answer).
    if (Date.now() < expiresAt) expectRefused(result, /pending/);
    // Accepted once it has expired: at most 10 tries, half a second apart.
    for (let attempt = 0; attempt < 10 && result.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      result = await request(username);
    }
    expect(result.status, result.body).toBe(200);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect(await pendingSetOf(username)).not.toContain(shortLived);
  });

  it('of 20 concurrent requests for one user, exactly 3 are accepted and the others refused', async () => {
    const username = await createTestUser();
    const results = await Promise.all(Array.from({ length: 20 }, () => request(username)));
    const accepted = results.filter((result) => result.status === 200).map((result) => String(result.json.auth_req_id));
    expect(accepted).toHaveLength(3);
    for (const result of results.filter((r) => r.status !== 200)) expectError(result, 403, 'access_denied');
    expect((await storedRequestsOf(username)).sort()).toEqual(accepted.sort());
    expect((await pendingSetOf(username)).sort()).toEqual(accepted.sort());
  });
});

describe('the repository, at set times (createdAt is the clock)', () => {
  const at = Math.floor(Date.now() / 60_000) * 60_000 + 30_000; // the middle of a minute
  const newRequest = (sub: string, createdAt: number, lifetimeMs: number): AuthRequest => ({
    authReqId: randomBytes(32).toString('base64url'),
    clientId: 'limits-test',
    sub,
    scope: 'openid',
    deliveryMode: 'poll',
    createdAt,
    expiresAt: createdAt + lifetimeMs,
    interval: 5,
    status: 'pending',
    pollCount: 0,
    pollTimes: [],
  });
  const create = (limits: UserRequestLimits, request: AuthRequest): Promise<CreateOutcome> =>
    withTable((dynamodb: DynamoDBClient, tableName) => new DynamoDbAuthRequestRepository(sdkDynamoDb(dynamodb), tableName, { expiredRetentionSeconds: 60, userLimits: limits }).create(request));

  it('lets exactly 5 of 20 concurrent requests of one minute through, and refuses the rest with the seconds to the next minute', async () => {
    const sub = `limits-${randomBytes(6).toString('hex')}`;
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => create({ requestsPerMinute: 5, maxPendingRequests: 0 }, newRequest(sub, at, 300_000))));
    expect(outcomes.filter((outcome) => outcome.kind === 'created')).toHaveLength(5);
    expect(outcomes.filter((outcome) => outcome.kind === 'refused')).toEqual(Array.from({ length: 15 }, () => ({ kind: 'refused', limit: 'requestsPerMinute', retryAfterSeconds: 30 })));
    // The next minute is a new window.
    expect(await create({ requestsPerMinute: 5, maxPendingRequests: 0 }, newRequest(sub, at + 60_000, 300_000))).toEqual({ kind: 'created' });
  });

  it('counts an expired request as settled: refused before its expiry, accepted after it', async () => {
    const sub = `limits-${randomBytes(6).toString('hex')}`;
    const limits = { requestsPerMinute: 0, maxPendingRequests: 2 };
    expect(await create(limits, newRequest(sub, at, 10_000))).toEqual({ kind: 'created' });
    expect(await create(limits, newRequest(sub, at, 300_000))).toEqual({ kind: 'created' });
    expect(await create(limits, newRequest(sub, at + 5_000, 300_000))).toEqual({ kind: 'refused', limit: 'maxPendingRequests', retryAfterSeconds: 5 });
    expect(await create(limits, newRequest(sub, at + 10_000, 300_000))).toEqual({ kind: 'created' });
    expect(await create(limits, newRequest(sub, at + 11_000, 300_000))).toEqual({ kind: 'refused', limit: 'maxPendingRequests', retryAfterSeconds: 289 });
  });
});
