/** Client records cached in a warm function (CIBA_CLIENT_CACHE_SECONDS). */
import { describe, expect, it } from 'vitest';
import { CachedClientRepository } from '../../../lambdas/adapters/cached-client-repository.js';
import type { Client } from '../../../lambdas/core/model.js';
import type { ClientRepository, Clock } from '../../../lambdas/core/ports.js';

class FakeClients implements ClientRepository {
  readonly records = new Map<string, Client>();
  finds = 0;

  async find(clientId: string): Promise<Client | undefined> {
    this.finds++;
    return this.records.get(clientId);
  }

  async create(client: Client): Promise<void> {
    this.records.set(client.clientId, client);
  }
}

class FakeClock implements Clock {
  constructor(public time = 1_700_000_000_000) {}
  now(): number {
    return this.time;
  }
}

function client(clientId: string, secretHash = 'hash-1'): Client {
  return { clientId, secretHash, metadata: { grant_types: ['urn:openid:params:grant-type:ciba'], token_endpoint_auth_method: 'client_secret_basic' }, createdAt: 0 };
}

describe('CachedClientRepository', () => {
  it('serves a found client from the cache for the TTL, then reads it again', async () => {
    const inner = new FakeClients();
    const clock = new FakeClock();
    const cached = new CachedClientRepository(inner, 60, clock);
    inner.records.set('c1', client('c1', 'hash-1'));

    expect(await cached.find('c1')).toEqual(client('c1', 'hash-1'));
    expect(inner.finds).toBe(1);

    // A rotated secret is not seen while the entry is fresh...
    inner.records.set('c1', client('c1', 'hash-2'));
    clock.time += 60_000 - 1;
    expect((await cached.find('c1'))?.secretHash).toBe('hash-1');
    expect(inner.finds).toBe(1);

    // ...and is seen once the TTL has passed.
    clock.time += 1;
    expect((await cached.find('c1'))?.secretHash).toBe('hash-2');
    expect(inner.finds).toBe(2);

    // The new record is cached in turn.
    expect((await cached.find('c1'))?.secretHash).toBe('hash-2');
    expect(inner.finds).toBe(2);
  });

  it('never caches an unknown id: a client registered a moment later is found at once', async () => {
    const inner = new FakeClients();
    const cached = new CachedClientRepository(inner, 60, new FakeClock());
    expect(await cached.find('new')).toBeUndefined();
    expect(await cached.find('new')).toBeUndefined();
    expect(inner.finds).toBe(2);

    await cached.create(client('new'));
    expect(inner.records.has('new')).toBe(true);
    expect(await cached.find('new')).toEqual(client('new'));
    expect(inner.finds).toBe(3);
  });

  it('forgets a client that has gone once its entry expires', async () => {
    const inner = new FakeClients();
    const clock = new FakeClock();
    const cached = new CachedClientRepository(inner, 10, clock);
    inner.records.set('c1', client('c1'));
    await cached.find('c1');
    inner.records.delete('c1');
    clock.time += 10_000;
    expect(await cached.find('c1')).toBeUndefined();
    expect(await cached.find('c1')).toBeUndefined();
    expect(inner.finds).toBe(3);
  });

  it('does not cache at all with a TTL of 0', async () => {
    const inner = new FakeClients();
    const cached = new CachedClientRepository(inner, 0, new FakeClock());
    inner.records.set('c1', client('c1', 'hash-1'));
    await cached.find('c1');
    inner.records.set('c1', client('c1', 'hash-2'));
    expect((await cached.find('c1'))?.secretHash).toBe('hash-2');
    expect(inner.finds).toBe(2);
  });

  it('keeps the cache bounded: the oldest entry makes room for a new one', async () => {
    const inner = new FakeClients();
    const cached = new CachedClientRepository(inner, 3600, new FakeClock());
    const count = 1001;
    for (let i = 0; i < count; i++) inner.records.set(`c${i}`, client(`c${i}`));
    for (let i = 0; i < count; i++) await cached.find(`c${i}`);
    expect(inner.finds).toBe(count);
    // The newest entries are still cached; the first one was evicted.
    await cached.find(`c${count - 1}`);
    expect(inner.finds).toBe(count);
    await cached.find('c0');
    expect(inner.finds).toBe(count + 1);
  });
});
