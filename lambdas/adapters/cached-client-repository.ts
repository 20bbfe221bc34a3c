/**
 * Client records cached in a warm function for a short time, so that a poll is one database request
 * (the poll's own write) rather than two. A rotated secret or a deleted client is therefore honoured
 * by warm functions within CIBA_CLIENT_CACHE_SECONDS (0 turns the cache off). Unknown client ids are
 * never cached: a client registered a moment ago authenticates at once.
 */
import type { Client } from '../core/model.js';
import type { ClientRepository, Clock } from '../core/ports.js';

/** Bounds the memory a flood of distinct client ids could take. */
const MAX_ENTRIES = 1000;

export class CachedClientRepository implements ClientRepository {
  private readonly entries = new Map<string, { client: Client; until: number }>();

  constructor(
    private readonly inner: ClientRepository,
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {}

  async find(clientId: string): Promise<Client | undefined> {
    const now = this.clock.now();
    const cached = this.entries.get(clientId);
    if (cached && cached.until > now) return cached.client;
    const client = await this.inner.find(clientId);
    this.entries.delete(clientId);
    if (client && this.ttlSeconds > 0) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(clientId, { client, until: now + this.ttlSeconds * 1000 });
    }
    return client;
  }

  create(client: Client): Promise<void> {
    return this.inner.create(client);
  }
}
