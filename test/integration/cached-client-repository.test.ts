/**
 * Client records cached in a warm function (CIBA_CLIENT_CACHE_SECONDS), over the real client repository
 * in DynamoDB Local; a spy counts the reads that reach the table.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CachedClientRepository } from '../../lambdas/adapters/cached-client-repository.js';
import { DynamoDbClientRepository } from '../../lambdas/adapters/dynamodb/client-repository.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';
import type { Client } from '../../lambdas/core/model.js';
import type { ClientRepository, Clock } from '../../lambdas/core/ports.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { createOwnTable } from '../support/workers.js';

const sdk = localDynamoDbClient(inject('dynamoDbEndpoint'));
afterAll(() => sdk.destroy());
// A table of its own: the thousand clients below would crowd the shared table's CLIENTS list.
const tableName = `ciba-test-client-cache-${randomBytes(4).toString('hex')}`;
beforeAll(() => createOwnTable(tableName));

/** The table's client repository, counting the reads that reach it. */
class CountedClients implements ClientRepository {
  readonly table = new DynamoDbClientRepository(sdkDynamoDb(sdk), tableName);
  finds = 0;

  find(clientId: string): Promise<Client | undefined> {
    this.finds++;
    return this.table.find(clientId);
  }

  create(client: Client): Promise<void> {
    return this.table.create(client);
  }
}

class FakeClock implements Clock {
  constructor(public time = 1_700_000_000_000) {}
  now(): number {
    return this.time;
  }
}

/** Ids unique to this run: the table is shared with the other test files. */
const run = randomBytes(4).toString('hex');

function client(name: string, secretHash = 'hash-1'): Client {
  return { clientId: `cache-${run}-${name}`, secretHash, metadata: { grant_types: ['urn:openid:params:grant-type:ciba'], token_endpoint_auth_method: 'client_secret_basic' }, createdAt: 0 };
}

describe('CachedClientRepository', () => {
  it('serves a found client from the cache for the TTL, then reads it again', async () => {
    const inner = new CountedClients();
    const clock = new FakeClock();
    const cached = new CachedClientRepository(inner, 60, clock);
    const c1 = client('ttl', 'hash-1');
    await inner.create(c1);

    expect(await cached.find(c1.clientId)).toMatchObject({ clientId: c1.clientId, secretHash: 'hash-1' });
    expect(inner.finds).toBe(1);

    // A rotated secret is not seen while the entry is fresh...
    expect(await inner.table.replaceSecretHash(c1.clientId, 'hash-1', 'hash-2')).toBe(true);
    clock.time += 60_000 - 1;
    expect((await cached.find(c1.clientId))?.secretHash).toBe('hash-1');
    expect(inner.finds).toBe(1);

    // ...and is seen once the TTL has passed.
    clock.time += 1;
    expect((await cached.find(c1.clientId))?.secretHash).toBe('hash-2');
    expect(inner.finds).toBe(2);

    // The new record is cached in turn.
    expect((await cached.find(c1.clientId))?.secretHash).toBe('hash-2');
    expect(inner.finds).toBe(2);
  });

  it('never caches an unknown id: a client registered a moment later is found at once', async () => {
    const inner = new CountedClients();
    const cached = new CachedClientRepository(inner, 60, new FakeClock());
    const fresh = client('new');
    expect(await cached.find(fresh.clientId)).toBeUndefined();
    expect(await cached.find(fresh.clientId)).toBeUndefined();
    expect(inner.finds).toBe(2);

    await cached.create(fresh);
    expect(await inner.table.find(fresh.clientId)).toBeDefined();
    expect(await cached.find(fresh.clientId)).toMatchObject({ clientId: fresh.clientId });
    expect(inner.finds).toBe(3);
  });

  it('forgets a client that has gone once its entry expires', async () => {
    const inner = new CountedClients();
    const clock = new FakeClock();
    const cached = new CachedClientRepository(inner, 10, clock);
    const gone = client('gone');
    await inner.create(gone);
    await cached.find(gone.clientId);
    expect(await inner.table.remove(gone.clientId)).toBe(true);
    clock.time += 10_000;
    expect(await cached.find(gone.clientId)).toBeUndefined();
    expect(await cached.find(gone.clientId)).toBeUndefined();
    expect(inner.finds).toBe(3);
  });

  it('does not cache at all with a TTL of 0', async () => {
    const inner = new CountedClients();
    const cached = new CachedClientRepository(inner, 0, new FakeClock());
    const c1 = client('uncached', 'hash-1');
    await inner.create(c1);
    await cached.find(c1.clientId);
    expect(await inner.table.replaceSecretHash(c1.clientId, 'hash-1', 'hash-2')).toBe(true);
    expect((await cached.find(c1.clientId))?.secretHash).toBe('hash-2');
    expect(inner.finds).toBe(2);
  });

  it('keeps the cache bounded: the oldest entry makes room for a new one', async () => {
    const inner = new CountedClients();
    const cached = new CachedClientRepository(inner, 3600, new FakeClock());
    const count = 1001;
    const ids = Array.from({ length: count }, (_, i) => client(`bounded-${i}`).clientId);
    // Stored in batches of 50 at once: a thousand one after another would only make the test slow.
    for (let i = 0; i < count; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => inner.create({ ...client('x'), clientId: id })));
    for (const id of ids) await cached.find(id);
    expect(inner.finds).toBe(count);
    // The newest entries are still cached; the first one was evicted.
    await cached.find(ids[count - 1] as string);
    expect(inner.finds).toBe(count);
    await cached.find(ids[0] as string);
    expect(inner.finds).toBe(count + 1);
  });
});
