/**
 * Deciding on the device (docs/device-protocol.md, "Deciding"): the device signs, with its own key, a
 * decision over the hash of exactly the transaction it showed; the provider checks the signature, the
 * transaction against the hash, and the hash against the request's own, records the decision and its
 * evidence in one write, and the evidence outlives the request.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAuthRequestRepository } from '../../lambdas/adapters/dynamodb/auth-request-repository.js';
import { DynamoDbEvidenceRepository } from '../../lambdas/adapters/dynamodb/evidence-repository.js';
import { keyPrefix } from '../../lambdas/adapters/dynamodb/table-schema.js';
import { canonicalJson, transactionHash } from '../../lambdas/core/device/transaction-hash.js';
import type { Decision } from '../../lambdas/core/model.js';
import {
  decideOnDevice,
  deviceCall,
  enrollDevice,
  enrollKeyedDevice,
  runCli,
  signDecision,
  signDecisionWith,
  transactionOf,
  withTable,
  type TestDevice,
} from '../support/device.js';
import { authReqIdOf, createTestUser, idTokenClaims } from '../support/jwt.js';
import { backchannel, expectError, poll, registerClient, type CallResult, type TestClient } from '../support/provider.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

const PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'GBP', amount: '250.00' },
  creditorName: 'Example Utilities',
  creditorAccount: { sortCode: '654321', accountNumber: '87654321' },
};
const BINDING_MESSAGE = 'Pay £250.00 to Example Utilities? Code 7310';

let client: TestClient;

beforeAll(async () => {
  client = await registerClient({ authorization_details_types: ['payment_initiation'] });
});

async function newRequest(username: string): Promise<string> {
  return authReqIdOf(
    await backchannel(client, { scope: 'openid', login_hint: username, binding_message: BINDING_MESSAGE, authorization_details: JSON.stringify([PAYMENT]) }),
  );
}

/** A user with a device and a pending request for them, and what the device shows of it. */
async function pendingOnDevice(): Promise<{ username: string; device: TestDevice; authReqId: string; view: Record<string, unknown> }> {
  const username = await createTestUser();
  const device = await enrollDevice(username);
  const authReqId = await newRequest(username);
  const view = await deviceCall(device, 'GET', `/device/auth-requests/${authReqId}`);
  expect(view.status, view.body).toBe(200);
  return { username, device, authReqId, view: view.json };
}

function postDecision(device: TestDevice, authReqId: string, body: Record<string, unknown>): Promise<CallResult> {
  return deviceCall(device, 'POST', `/device/auth-requests/${authReqId}/decision`, body);
}

async function expectStillPending(authReqId: string): Promise<void> {
  expectError(await poll(client, authReqId), 400, 'authorization_pending');
}

describe('a valid signed decision', () => {
  it('approves: 200 approved, and the client gets tokens', async () => {
    const { device, authReqId } = await pendingOnDevice();
    const result = await decideOnDevice(device, authReqId, 'approve');
    expect(result.status, result.body).toBe(200);
    expect(result.json).toEqual({ auth_req_id: authReqId, status: 'approved' });
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
  });

  it('denies: 200 denied, and the client gets access_denied', async () => {
    const { device, authReqId } = await pendingOnDevice();
    const result = await decideOnDevice(device, authReqId, 'deny');
    expect(result.status, result.body).toBe(200);
    expect(result.json).toEqual({ auth_req_id: authReqId, status: 'denied' });
    expectError(await poll(client, authReqId), 400, 'access_denied');
  });

  it('answers a second decision with 409 request_not_pending', async () => {
    const { device, authReqId } = await pendingOnDevice();
    expect((await decideOnDevice(device, authReqId, 'approve')).status).toBe(200);
    expectError(await decideOnDevice(device, authReqId, 'deny'), 409, 'request_not_pending');
    expectError(await decideOnDevice(device, authReqId, 'approve'), 409, 'request_not_pending');
  });

  it("puts amr ['swk', ...what the device reported] in the ID token", async () => {
    const { device, authReqId } = await pendingOnDevice();
    expect((await decideOnDevice(device, authReqId, 'approve', ['face', 'pin'])).status).toBe(200);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect((await idTokenClaims(tokens, client.clientId)).amr).toEqual(['swk', 'face', 'pin']);
  });
});

describe('refused decisions (400 invalid_request; the request stays pending)', () => {
  type Context = { device: TestDevice; authReqId: string; view: Record<string, unknown>; username: string };
  /** What is wrong, a body that has it, and what the error description must name. */
  const cases: [string, (context: Context) => Promise<Record<string, unknown>>, RegExp][] = [
    [
      'a decision signed by another device of the same user (its own key and kid)',
      async ({ username, view }) => {
        const sibling = await enrollDevice(username);
        const transaction = transactionOf(view, 'approve');
        return { signed_decision: await signDecision(sibling, transaction), transaction };
      },
      /kid|signature/,
    ],
    [
      "a decision signed with this device's key under a sibling's kid (kid mismatch)",
      async ({ username, view, device }) => {
        const sibling = await enrollDevice(username);
        const transaction = transactionOf(view, 'approve');
        return { signed_decision: await signDecisionWith(device, transaction, { header: { kid: sibling.deviceId } }), transaction };
      },
      /kid/,
    ],
    [
      "a decision under this device's kid signed by a sibling's key",
      async ({ username, view, device }) => {
        const sibling = await enrollDevice(username);
        const transaction = transactionOf(view, 'approve');
        return { signed_decision: await signDecisionWith(device, transaction, { signingKey: sibling.privateKey }), transaction };
      },
      /signature/,
    ],
    [
      'typ JWT instead of ciba-decision+jwt',
      async ({ view, device }) => {
        const transaction = transactionOf(view, 'approve');
        return { signed_decision: await signDecisionWith(device, transaction, { header: { typ: 'JWT' } }), transaction };
      },
      /typ/,
    ],
    [
      'a transaction whose hash is not the signed transaction_hash',
      async ({ view, device }) => {
        const signed = transactionOf(view, 'approve');
        const sent = { ...signed, binding_message: 'Pay £2.50 to Example Utilities? Code 7310' };
        return { signed_decision: await signDecision(device, signed), transaction: sent };
      },
      /transaction_hash/,
    ],
    [
      'a signed decision for another auth_req_id',
      async ({ view, device }) => {
        const transaction = transactionOf(view, 'approve');
        return { signed_decision: await signDecisionWith(device, transaction, { payload: { auth_req_id: 'another-request' } }), transaction };
      },
      /another request/,
    ],
    [
      'a transaction with an extra member (signed with it)',
      async ({ view, device }) => {
        const transaction = { ...transactionOf(view, 'approve'), amount_shown: '250.00' };
        return { signed_decision: await signDecision(device, transaction), transaction };
      },
      /members/,
    ],
    [
      'a deny transaction under a signed approve',
      async ({ view, device }) => {
        const transaction = transactionOf(view, 'deny');
        return { signed_decision: await signDecisionWith(device, transaction, { payload: { decision: 'approve' } }), transaction };
      },
      /decision/,
    ],
    [
      'an approve transaction under a signed deny',
      async ({ view, device }) => {
        const transaction = transactionOf(view, 'approve');
        return { signed_decision: await signDecisionWith(device, transaction, { payload: { decision: 'deny' } }), transaction };
      },
      /decision/,
    ],
    [
      'amr with a value RFC 8176 does not define',
      async ({ view, device }) => {
        const transaction = transactionOf(view, 'approve');
        return { signed_decision: await signDecision(device, transaction, ['fpt', 'telepathy']), transaction };
      },
      /amr/,
    ],
    ['no transaction in the body', async ({ view, device }) => ({ signed_decision: await signDecision(device, transactionOf(view, 'approve')) }), /transaction/],
    [
      'a tampered signature',
      async ({ view, device }) => {
        const transaction = transactionOf(view, 'approve');
        const [header, payload, signature = ''] = (await signDecision(device, transaction)).split('.');
        const at = Math.floor(signature.length / 2);
        return { signed_decision: `${header}.${payload}.${signature.slice(0, at)}${signature[at] === 'A' ? 'B' : 'A'}${signature.slice(at + 1)}`, transaction };
      },
      /signature/,
    ],
  ];

  it.each(cases)('refuses %s', async (_name, makeBody, description) => {
    const context = await pendingOnDevice();
    const result = await postDecision(context.device, context.authReqId, await makeBody(context));
    expectError(result, 400, 'invalid_request');
    expect(result.json.error_description).toMatch(description);
    await expectStillPending(context.authReqId);
  });

  it('refuses a signature over other transaction details (binding message changed in transaction and hash): "other transaction details"', async () => {
    const { device, authReqId, view } = await pendingOnDevice();
    const tampered = transactionOf({ ...view, binding_message: 'Pay £2.50 to Example Utilities? Code 7310' }, 'approve');
    const result = await postDecision(device, authReqId, { signed_decision: await signDecision(device, tampered), transaction: tampered });
    expectError(result, 400, 'invalid_request');
    expect(result.json.error_description).toMatch(/other transaction details/);
    await expectStillPending(authReqId);
    // The device can still approve what it was really shown.
    expect((await decideOnDevice(device, authReqId, 'approve')).status).toBe(200);
  });

  it("answers a decision by another user's device with 404 not_found, and the request stays pending", async () => {
    const { authReqId, view } = await pendingOnDevice();
    const stranger = await enrollDevice(await createTestUser());
    // The stranger knows everything the owner's device was shown, and signs it with its own key.
    const transaction = transactionOf(view, 'approve');
    expectError(await postDecision(stranger, authReqId, { signed_decision: await signDecision(stranger, transaction), transaction }), 404, 'not_found');
    await expectStillPending(authReqId);
    expect(await withTable((dynamodb, tableName) => new DynamoDbEvidenceRepository(sdkDynamoDb(dynamodb), tableName).find(authReqId))).toBeUndefined();
  });

  it('answers a decision on an unknown request with 404 not_found', async () => {
    const { device, view } = await pendingOnDevice();
    const unknown = randomBytes(32).toString('base64url');
    const transaction = transactionOf({ ...view, auth_req_id: unknown }, 'approve');
    expectError(await postDecision(device, unknown, { signed_decision: await signDecision(device, transaction), transaction }), 404, 'not_found');
  });

  it('leaves out no member: a transaction without the binding message it showed is other transaction details', async () => {
    const { device, authReqId, view } = await pendingOnDevice();
    const { binding_message: _dropped, ...rest } = view;
    const tampered = transactionOf(rest, 'approve');
    const result = await postDecision(device, authReqId, { signed_decision: await signDecision(device, tampered), transaction: tampered });
    expectError(result, 400, 'invalid_request');
    expect(result.json.error_description).toMatch(/other transaction details/);
    await expectStillPending(authReqId);
  });
});

describe('evidence of a decision', () => {
  it('holds the canonical transaction, its SHA-256 as transactionHash, and a signed_decision that verifies with the device key', async () => {
    const username = await createTestUser();
    const device = await enrollKeyedDevice(username);
    const authReqId = await newRequest(username);
    const view = await deviceCall(device, 'GET', `/device/auth-requests/${authReqId}`);
    const transaction = transactionOf(view.json, 'approve');
    const signed = await signDecision(device, transaction, ['pin']);
    expect((await postDecision(device, authReqId, { signed_decision: signed, transaction })).status).toBe(200);

    const evidence = await withTable((dynamodb, tableName) => new DynamoDbEvidenceRepository(sdkDynamoDb(dynamodb), tableName).find(authReqId));
    expect(evidence).toBeDefined();
    if (!evidence) return;
    expect(evidence).toEqual(
      expect.objectContaining({
        authReqId,
        sub: username,
        clientId: client.clientId,
        deviceId: device.deviceId,
        keyThumbprint: device.enrollment.key_thumbprint,
        decision: 'approve',
        amr: ['swk', 'pin'],
        signedDecision: signed,
      }),
    );
    expect(evidence.transaction).toBe(canonicalJson(transaction));
    expect(JSON.parse(evidence.transaction)).toEqual({ auth_req_id: authReqId, client_id: client.clientId, binding_message: BINDING_MESSAGE, authorization_details: [PAYMENT], decision: 'approve' });
    expect(createHash('sha256').update(evidence.transaction, 'utf8').digest('base64url')).toBe(evidence.transactionHash);
    expect(evidence.transactionHash).toBe(transactionHash(transaction as never));
    const { payload, protectedHeader } = await compactVerify(evidence.signedDecision, await importJWK({ ...device.publicJwk }, 'ES256'));
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: device.deviceId, typ: 'ciba-decision+jwt' });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(expect.objectContaining({ auth_req_id: authReqId, decision: 'approve', transaction_hash: evidence.transactionHash }));
  });

  it('is recorded for a denial too', async () => {
    const { device, authReqId } = await pendingOnDevice();
    expect((await decideOnDevice(device, authReqId, 'deny')).status).toBe(200);
    const evidence = await withTable((dynamodb, tableName) => new DynamoDbEvidenceRepository(sdkDynamoDb(dynamodb), tableName).find(authReqId));
    expect(evidence).toEqual(expect.objectContaining({ authReqId, decision: 'deny', deviceId: device.deviceId }));
    expect(JSON.parse(evidence?.transaction ?? '{}')).toEqual(expect.objectContaining({ decision: 'deny' }));
  });

  it('is not written for a refused decision', async () => {
    const { device, authReqId, view } = await pendingOnDevice();
    const tampered = transactionOf({ ...view, binding_message: 'something else' }, 'approve');
    expectError(await postDecision(device, authReqId, { signed_decision: await signDecision(device, tampered), transaction: tampered }), 400, 'invalid_request');
    expect(await withTable((dynamodb, tableName) => new DynamoDbEvidenceRepository(sdkDynamoDb(dynamodb), tableName).find(authReqId))).toBeUndefined();
  });

  it('is shown by the CLI (requests show, evidence list) and survives the deletion of the request', async () => {
    const { username, device, authReqId } = await pendingOnDevice();
    expect((await decideOnDevice(device, authReqId, 'approve', ['fpt'])).status).toBe(200);

    const shown = await runCli(['--json', 'requests', 'show', '--', authReqId]);
    expect(shown.code, shown.stderr).toBe(0);
    const report = JSON.parse(shown.stdout) as Record<string, unknown>;
    expect(report).toEqual(expect.objectContaining({ authReqId, status: 'approved', evidence: expect.objectContaining({ authReqId, deviceId: device.deviceId, decision: 'approve' }) }));

    // The request item goes (TTL, or an operator); the evidence stays.
    await withTable((dynamodb, tableName) => dynamodb.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: keyPrefix.authRequest + authReqId } } })));
    const gone = await runCli(['--json', 'requests', 'show', '--', authReqId]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`no authentication request ${authReqId}`);
    const evidence = await withTable((dynamodb, tableName) => new DynamoDbEvidenceRepository(sdkDynamoDb(dynamodb), tableName).find(authReqId));
    expect(evidence).toEqual(expect.objectContaining({ authReqId, decision: 'approve', amr: ['swk', 'fpt'] }));

    const listed = await runCli(['evidence', 'list', username, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const records = JSON.parse(listed.stdout) as Record<string, unknown>[];
    expect(records).toEqual([expect.objectContaining({ authReqId, deviceId: device.deviceId, decision: 'approve', transactionHash: evidence?.transactionHash, transaction: evidence?.transaction })]);
  });
});

describe('the CLI and generated ids', () => {
  // auth_req_ids are base64url: one in 64 starts with "-". The documented `ciba requests show <auth_req_id>`
  // must take such an id as it takes any other.
  it('requests show <auth_req_id> works for an id that starts with "-"', async () => {
    const username = await createTestUser();
    const authReqId = `-${randomBytes(31).toString('base64url')}`;
    const now = Date.now();
    await withTable((dynamodb, tableName) =>
      new DynamoDbAuthRequestRepository(sdkDynamoDb(dynamodb), tableName, { expiredRetentionSeconds: 86_400 }).create({
        authReqId,
        clientId: client.clientId,
        sub: username,
        scope: 'openid',
        deliveryMode: 'poll',
        createdAt: now,
        expiresAt: now + 300_000,
        interval: 5,
        status: 'pending',
        pollCount: 0,
        pollTimes: [],
      }),
    );
    const shown = await runCli(['--json', 'requests', 'show', authReqId]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(expect.objectContaining({ authReqId, sub: username, status: 'pending' }));
  });
});

describe('concurrent decisions', () => {
  it('of 10 concurrent approvals by the same device, exactly one is 200, the rest 409, and one evidence record is written', async () => {
    const { username, device, authReqId, view } = await pendingOnDevice();
    const decisions: Decision[] = Array.from({ length: 10 }, () => 'approve');
    const bodies = await Promise.all(
      decisions.map(async (decision) => {
        const transaction = transactionOf(view, decision);
        return { signed_decision: await signDecision(device, transaction), transaction };
      }),
    );
    // Each call gets its own device JWT (deviceCall signs a fresh one, with its own jti).
    const results = await Promise.all(bodies.map((body) => postDecision(device, authReqId, body)));
    const statuses = results.map((result) => result.status).sort();
    expect(statuses, results.map((result) => result.body).join('\n')).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const result of results.filter((r) => r.status === 409)) expectError(result, 409, 'request_not_pending');
    const records = await withTable((dynamodb, tableName) => new DynamoDbEvidenceRepository(sdkDynamoDb(dynamodb), tableName).listForUser(username));
    expect(records.map((record) => record.authReqId)).toEqual([authReqId]);
    const winner = results.findIndex((result) => result.status === 200);
    expect(records[0]?.signedDecision).toBe(bodies[winner]?.signed_decision);
    expect(decodeProtectedHeader(String(records[0]?.signedDecision)).kid).toBe(device.deviceId);
  });
});
