/**
 * Creating and rotating the key ring: the deploy-time custom resource, the rotation schedule and
 * `npx ciba keys rotate` all come here. Every change is a conditional write on the ring's version, so
 * two rotations at once (the schedule and an operator) cannot both apply.
 */
import type { Clock, KeyRingStore, SigningKeyFactory } from '../ports.js';
import { initialKeyRing, keyInState, replaceKeyRing, rotateKeyRing, type KeyRing, type NewKey, type RingKey, type Rotation } from './key-ring.js';

export interface KeyRotationDeps {
  readonly store: KeyRingStore;
  /** Makes keys of the configured signing mode. */
  readonly factory: SigningKeyFactory;
  readonly clock: Clock;
  /** Told about keys whose destruction failed (they are out of the ring; an operator may clean up). */
  readonly warn?: (message: string, detail: Record<string, unknown>) => void;
}

export type RotationOutcome =
  | { readonly outcome: 'rotated'; readonly ring: KeyRing; readonly retired: readonly RingKey[] }
  /** Someone else changed the ring meanwhile, or it was rotated too recently: nothing was done. */
  | { readonly outcome: 'skipped'; readonly ring: KeyRing; readonly reason: string };

async function destroyAll(keys: readonly (RingKey | NewKey)[], deps: KeyRotationDeps): Promise<void> {
  for (const key of keys) {
    try {
      await deps.factory.destroy(key.material);
    } catch (error) {
      deps.warn?.('could not destroy a retired signing key', { kid: key.publicJwk.kid, error: error instanceof Error ? error.message : String(error) });
    }
  }
}

/** Stores a change; if the ring changed meanwhile, the fresh keys were never published and are destroyed. */
async function apply(change: Rotation, expectedVersion: number | undefined, fresh: readonly NewKey[], deps: KeyRotationDeps): Promise<boolean> {
  if (await deps.store.write(change.ring, expectedVersion)) {
    await destroyAll(change.retired, deps);
    return true;
  }
  await destroyAll(fresh, deps);
  return false;
}

/**
 * Makes sure a ring exists whose current key is of the configured mode: creates the first ring, or,
 * after a change of signing mode, replaces the keys at once (the old current key stays published as
 * the previous one). Idempotent: a ring that is already right is left alone.
 */
export async function ensureSigningKeys(deps: KeyRotationDeps): Promise<KeyRing> {
  // Bounded: each lost race means another writer made progress; three in a row is not contention but a fault.
  for (let attempt = 0; attempt < 3; attempt++) {
    const ring = await deps.store.read();
    if (ring && keyInState(ring, 'current')?.material.kind === deps.factory.mode) return ring;
    const fresh = [await deps.factory.generate(), await deps.factory.generate()] as const;
    const now = deps.clock.now();
    const change = ring ? replaceKeyRing(ring, fresh[0], fresh[1], now) : { ring: initialKeyRing(fresh[0], fresh[1], now), retired: [] };
    if (await apply(change, ring?.version, fresh, deps)) return change.ring;
  }
  throw new Error('the signing key ring kept changing while it was being created');
}

export interface RotateOptions {
  /**
   * Skip when the ring changed less than this long ago (milliseconds): a scheduled event delivered
   * twice must not rotate twice, which would make a never-published key the signing key.
   */
  readonly minimumAgeMs?: number;
  /**
   * Suspected compromise: replace the current and next keys now and drop the current one from the
   * JWKS, so that nothing it signed verifies any more.
   */
  readonly compromised?: boolean;
}

export async function rotateSigningKeys(deps: KeyRotationDeps, options: RotateOptions = {}): Promise<RotationOutcome> {
  const ring = await ensureSigningKeys(deps);
  const now = deps.clock.now();
  if (!options.compromised && options.minimumAgeMs !== undefined && now - ring.rotatedAt < options.minimumAgeMs) {
    return { outcome: 'skipped', ring, reason: `the keys changed ${Math.round((now - ring.rotatedAt) / 1000)} s ago` };
  }
  const fresh = options.compromised ? [await deps.factory.generate(), await deps.factory.generate()] : [await deps.factory.generate()];
  const change = options.compromised
    ? replaceKeyRing(ring, fresh[0] as NewKey, fresh[1] as NewKey, now, { dropCurrent: true })
    : rotateKeyRing(ring, fresh[0] as NewKey, now);
  // A lost race is not retried: the other writer rotated, and rotating again at once would start
  // signing with a key no relying party has seen yet.
  if (!(await apply(change, ring.version, fresh, deps))) {
    return { outcome: 'skipped', ring: (await deps.store.read()) ?? ring, reason: 'another rotation changed the keys meanwhile' };
  }
  return { outcome: 'rotated', ring: change.ring, retired: change.retired };
}
