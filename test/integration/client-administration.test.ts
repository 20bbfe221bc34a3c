/**
 * The repository side of the operator's client commands, on DynamoDB Local: the CLIENTS list of the
 * list index, the conditional secret rotation, deletion; and a dead letter found by its request.
 * On a table of its own, so that the list holds this file's clients only.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbClientRepository } from '../../lambdas/adapters/dynamodb/client-repository.js';
import { DynamoDbDeadLetterRepository } from '../../lambdas/adapters/dynamodb/dead-letter-repository.js';
import { CLIENT_LIST, keyPrefix } from '../../lambdas/adapters/dynamodb/table-schema.js';
import type { Client } from '../../lambdas/core/model.js';
import { rotateClientSecret } from '../../lambdas/core/registration/rotate-client-secret.js';
import { hashSecret, secretMatches } from '../../lambdas/core/secrets/secrets.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { createOwnTable, useOwnTable } from '../support/workers.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

const table = useOwnTable('clients');
let dynamodb: DynamoDBClient;
let clients: DynamoDbClientRepository;

beforeAll(async () => {
  await createOwnTable(table);
  dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
  clients = new DynamoDbClientRepository(sdkDynamoDb(dynamodb), table);
});

afterAll(() => dynamodb?.destroy());

let createdAt = Date.UTC(2030, 0, 1);

/** A stored client; createdAt grows by a second per client, so the list's order is known. */
async function storedClient(method: 'client_secret_basic' | 'private_key_jwt' = 'client_secret_basic'): Promise<Client> {
  createdAt += 1000;
  const client: Client = {
    clientId: randomBytes(16).toString('base64url'),
    ...(method === 'client_secret_basic' ? { secretHash: hashSecret('the-first-secret') } : {}),
    metadata: { grant_types: ['urn:openid:params:grant-type:ciba'], token_endpoint_auth_method: method, backchannel_token_delivery_mode: 'poll' },
    createdAt,
  };
  await clients.create(client);
  return client;
}

describe('the CLIENTS list', () => {
  it('holds every created client, oldest first, exactly as find returns it', async () => {
    const created = [await storedClient(), await storedClient('private_key_jwt'), await storedClient()];
    const listed = await clients.list(100);
    const ours = listed.filter((client) => created.some((c) => c.clientId === client.clientId));
    expect(ours).toEqual(created);
    for (const client of created) expect(await clients.find(client.clientId)).toEqual(client);
    // The list's keys are the table's business, not the client record's.
    expect(Object.keys(listed[0] ?? {})).not.toContain('gsi1pk');
  });

  it('puts the client item on the list index under CLIENTS', async () => {
    const client = await storedClient();
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: keyPrefix.client + client.clientId } }, ConsistentRead: true }));
    expect(Item?.gsi1pk?.S).toBe(CLIENT_LIST);
    expect(Item?.gsi1sk?.S).toBe(`${new Date(client.createdAt).toISOString()}#${client.clientId}`);
  });

  it('returns at most `limit` clients', async () => {
    await storedClient();
    await storedClient();
    expect(await clients.list(2)).toHaveLength(2);
  });
});

describe('secret rotation', () => {
  it('stores the SHA-256 of a new 256-bit secret; the old secret no longer matches', async () => {
    const client = await storedClient();
    const rotation = await rotateClientSecret(client.clientId, clients);
    if (rotation.kind !== 'rotated') throw new Error(`expected a rotation, got ${rotation.kind}`);
    expect(Buffer.from(rotation.clientSecret, 'base64url')).toHaveLength(32);
    const stored = await clients.find(client.clientId);
    expect(stored?.secretHash).toBe(hashSecret(rotation.clientSecret));
    expect(secretMatches('the-first-secret', stored?.secretHash ?? '')).toBe(false);
    expect({ ...stored, secretHash: undefined }).toEqual({ ...client, secretHash: undefined });
  });

  it('replaces the hash only if it is still the one read', async () => {
    const client = await storedClient();
    expect(await clients.replaceSecretHash(client.clientId, hashSecret('not-the-secret'), hashSecret('next'))).toBe(false);
    expect((await clients.find(client.clientId))?.secretHash).toBe(client.secretHash);
  });

  it('of 8 concurrent replacements of the same hash exactly one lands, and its hash is the stored one', async () => {
    const client = await storedClient();
    const next = Array.from({ length: 8 }, (_, i) => hashSecret(`next-${i}`));
    const outcomes = await Promise.all(next.map((hash) => clients.replaceSecretHash(client.clientId, client.secretHash as string, hash)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect((await clients.find(client.clientId))?.secretHash).toBe(next[outcomes.indexOf(true)]);
  });

  it('of 8 concurrent rotations each is told rotated or changedMeanwhile, and the stored secret is one that was handed out', async () => {
    const client = await storedClient();
    const rotations = await Promise.all(Array.from({ length: 8 }, () => rotateClientSecret(client.clientId, clients)));
    expect(rotations.every((rotation) => rotation.kind === 'rotated' || rotation.kind === 'changedMeanwhile')).toBe(true);
    const handedOut = rotations.flatMap((rotation) => (rotation.kind === 'rotated' ? [hashSecret(rotation.clientSecret)] : []));
    expect(handedOut.length).toBeGreaterThanOrEqual(1);
    expect(handedOut).toContain((await clients.find(client.clientId))?.secretHash);
  });

  it('refuses a private_key_jwt client (no secret) and an unknown client', async () => {
    const client = await storedClient('private_key_jwt');
    expect(await rotateClientSecret(client.clientId, clients)).toEqual({ kind: 'noSecret' });
    expect(await rotateClientSecret('no-such-client', clients)).toEqual({ kind: 'unknownClient' });
  });

  it('does not bring a deleted client back', async () => {
    const client = await storedClient();
    expect(await clients.remove(client.clientId)).toBe(true);
    expect(await clients.replaceSecretHash(client.clientId, client.secretHash as string, hashSecret('next'))).toBe(false);
    expect(await clients.find(client.clientId)).toBeUndefined();
  });
});

describe('deletion', () => {
  it('removes the client and its place on the list; a second deletion finds nothing', async () => {
    const client = await storedClient();
    expect(await clients.remove(client.clientId)).toBe(true);
    expect(await clients.find(client.clientId)).toBeUndefined();
    expect((await clients.list(100)).some((c) => c.clientId === client.clientId)).toBe(false);
    expect(await clients.remove(client.clientId)).toBe(false);
  });
});

describe('a dead letter by its request', () => {
  it('is found as recorded, and not after its removal', async () => {
    const deadLetters = new DynamoDbDeadLetterRepository(sdkDynamoDb(dynamodb), table);
    const letter = { authReqId: randomBytes(32).toString('base64url'), clientId: 'c', deliveryMode: 'ping' as const, endpoint: 'https://client.example/cb', attempts: 4, lastResult: 'HTTP 503', failedAt: Date.now() };
    await deadLetters.record(letter);
    expect(await deadLetters.find(letter.authReqId)).toEqual(letter);
    await deadLetters.remove(letter.authReqId);
    expect(await deadLetters.find(letter.authReqId)).toBeUndefined();
  });
});
