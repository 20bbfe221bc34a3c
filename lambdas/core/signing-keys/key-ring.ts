/**
 * The provider's signing keys as a ring of at most three: the `next` key (published, not yet
 * signing), the `current` key (signing) and the `previous` key (published, no longer signing).
 *
 * Why three: a relying party caches the JWKS. Publishing a key one rotation period before it signs
 * anything means no cached JWKS ever meets an unknown `kid`; keeping the old key one period after it
 * stopped signing means every token it signed still verifies until it expires, provided the period
 * is longer than the longest token lifetime.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys (OIDC Core §10.1.1)
 */
import type { PublishedJwk } from '../ports.js';

export type KeyState = 'next' | 'current' | 'previous';

/**
 * Where a key's private half is and how to use it:
 * - `kms`: an asymmetric KMS key; the private key never leaves KMS, every signature is a KMS request.
 * - `envelope`: a key pair KMS generated, stored as the private key encrypted under a KMS key; a
 *   function decrypts it once per cold start and signs in process.
 * - `local`: the private JWK itself, in the table: the local runner and the tests only.
 */
export type KeyMaterial =
  | { readonly kind: 'kms'; readonly keyId: string; readonly keyRingTag: string }
  | { readonly kind: 'envelope'; readonly wrappingKeyId: string; readonly encryptedPrivateKey: string }
  | { readonly kind: 'local'; readonly privateJwk: Readonly<Record<string, string>> };

export type SigningMode = KeyMaterial['kind'];

export interface RingKey {
  /** The RFC 7638 thumbprint of the public key: the `kid`. */
  readonly kid: string;
  readonly state: KeyState;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly publicJwk: PublishedJwk;
  readonly material: KeyMaterial;
}

export interface KeyRing {
  /** Incremented by every change; changes are conditional on it (optimistic concurrency). */
  readonly version: number;
  /** Epoch milliseconds of the last change. */
  readonly rotatedAt: number;
  readonly keys: readonly RingKey[];
}

/** A freshly generated key, not yet placed in a ring. */
export interface NewKey {
  readonly publicJwk: PublishedJwk;
  readonly material: KeyMaterial;
}

function placed(key: NewKey, state: KeyState, now: number): RingKey {
  return { kid: key.publicJwk.kid, state, createdAt: now, publicJwk: key.publicJwk, material: key.material };
}

export function keyInState(ring: KeyRing, state: KeyState): RingKey | undefined {
  return ring.keys.find((key) => key.state === state);
}

/** The first ring: a current key and the next one. */
export function initialKeyRing(current: NewKey, next: NewKey, now: number): KeyRing {
  return { version: 1, rotatedAt: now, keys: [placed(current, 'current', now), placed(next, 'next', now)] };
}

export interface Rotation {
  readonly ring: KeyRing;
  /** Keys no longer in the ring: their material may be destroyed once the new ring is stored. */
  readonly retired: readonly RingKey[];
}

/**
 * A scheduled rotation: the next key starts signing, the current key becomes the previous one, the
 * previous key retires, and `fresh` becomes the next key.
 */
export function rotateKeyRing(ring: KeyRing, fresh: NewKey, now: number): Rotation {
  const next = keyInState(ring, 'next');
  const current = keyInState(ring, 'current');
  const keys: RingKey[] = [];
  // A ring that lost its next key (it should not) promotes the fresh key straight to current.
  if (next) keys.push({ ...next, state: 'current' });
  if (current) keys.push({ ...current, state: 'previous' });
  keys.push(placed(fresh, next ? 'next' : 'current', now));
  return succeed(ring, keys, now);
}

/** The ring after `ring` holding exactly `keys`; the keys of `ring` left out are the retired ones. */
function succeed(ring: KeyRing, keys: readonly RingKey[], now: number): Rotation {
  const kept = new Set(keys.map((key) => key.kid));
  return { ring: { version: ring.version + 1, rotatedAt: now, keys }, retired: ring.keys.filter((key) => !kept.has(key.kid)) };
}

/**
 * An immediate replacement, for a change of signing mode or a suspected compromise: two fresh keys
 * become current and next at once. The old current key stays published as the previous key (tokens it
 * signed still verify) unless `dropCurrent` (compromise: nothing it signed should verify any more).
 * Relying parties whose cached JWKS lacks the new current key refetch it (OIDC Core §10.1.1).
 */
export function replaceKeyRing(ring: KeyRing, current: NewKey, next: NewKey, now: number, options: { dropCurrent?: boolean } = {}): Rotation {
  const old = keyInState(ring, 'current');
  const keys: RingKey[] = [placed(current, 'current', now), placed(next, 'next', now)];
  if (old && !options.dropCurrent) keys.push({ ...old, state: 'previous' });
  return succeed(ring, keys, now);
}

/** The JWKS order: the signing key first, then the next and the previous ones. */
export function publishedJwks(ring: KeyRing): PublishedJwk[] {
  const order: Record<KeyState, number> = { current: 0, next: 1, previous: 2 };
  return [...ring.keys].sort((a, b) => order[a.state] - order[b.state]).map((key) => key.publicJwk);
}
