/**
 * The provider's Signer over the key ring: signs with the current key, publishes next, current and
 * previous. A warm function keeps the ring for `cacheSeconds` and each opened key for as long as it is
 * in the ring, so an `envelope` key is decrypted once per cold start (and once more per rotation).
 */
import type { Clock, KeyRingStore, PublishedJwk, Signer, SigningKey, SigningKeyOpener } from '../../core/ports.js';
import { keyInState, publishedJwks, type KeyRing } from '../../core/signing-keys/key-ring.js';

export interface KeyRingSignerOptions {
  readonly cacheSeconds: number;
  /**
   * Makes the ring when there is none (the local runner). Deployed stacks make it at deploy time, and
   * their functions may not create keys: a missing ring is then a fault, not something to repair here.
   */
  readonly initialise?: () => Promise<KeyRing>;
}

export class KeyRingSigner implements Signer {
  readonly alg = 'ES256';
  private ring: { readonly value: Promise<KeyRing>; readonly loadedAt: number } | undefined;
  private readonly opened = new Map<string, Promise<SigningKey>>();

  constructor(
    private readonly store: KeyRingStore,
    private readonly opener: SigningKeyOpener,
    private readonly clock: Clock,
    private readonly options: KeyRingSignerOptions,
  ) {}

  private currentRing(): Promise<KeyRing> {
    const now = this.clock.now();
    if (!this.ring || now - this.ring.loadedAt >= this.options.cacheSeconds * 1000) {
      const value = this.load().catch((error: unknown) => {
        this.ring = undefined; // a failed read is retried by the next request, not cached
        throw error;
      });
      this.ring = { value, loadedAt: now };
    }
    return this.ring.value;
  }

  private async load(): Promise<KeyRing> {
    const ring = (await this.store.read()) ?? (await this.options.initialise?.());
    if (!ring) throw new Error('no signing key ring: it is created at deployment (or by `npx ciba keys rotate`)');
    return ring;
  }

  async currentKey(): Promise<SigningKey> {
    const ring = await this.currentRing();
    const current = keyInState(ring, 'current');
    if (!current) throw new Error('the signing key ring has no current key');
    // Forget keys that left the ring: a retired key must not stay usable in a long-lived function.
    for (const kid of this.opened.keys()) if (!ring.keys.some((key) => key.kid === kid)) this.opened.delete(kid);
    let key = this.opened.get(current.kid);
    if (!key) {
      key = this.opener.open(current.material).then((sign) => ({ kid: current.kid, alg: this.alg, sign }));
      key.catch(() => this.opened.delete(current.kid));
      this.opened.set(current.kid, key);
    }
    return key;
  }

  async publishedKeys(): Promise<readonly PublishedJwk[]> {
    return publishedJwks(await this.currentRing());
  }
}
