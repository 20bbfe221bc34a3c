import { describe, expect, it } from 'vitest';
import { initialKeyRing, keyInState, publishedJwks, replaceKeyRing, rotateKeyRing, type NewKey } from '../../../lambdas/core/signing-keys/key-ring.js';

let counter = 0;
const fresh = (): NewKey => {
  const kid = `k${++counter}`;
  return { publicJwk: { kty: 'EC', kid, use: 'sig', alg: 'ES256' }, material: { kind: 'kms', keyId: `arn:${kid}`, keyRingTag: 'ring' } };
};
const states = (ring: ReturnType<typeof initialKeyRing>): Record<string, string> => Object.fromEntries(ring.keys.map((key) => [key.state, key.kid]));

describe('the key ring', () => {
  it('starts with a current and a next key, the current first in the JWKS', () => {
    const [a, b] = [fresh(), fresh()];
    const ring = initialKeyRing(a, b, 1000);
    expect(states(ring)).toEqual({ current: a.publicJwk.kid, next: b.publicJwk.kid });
    expect(publishedJwks(ring).map((key) => key.kid)).toEqual([a.publicJwk.kid, b.publicJwk.kid]);
    expect(ring.version).toBe(1);
  });

  it('rotates: next signs, current becomes previous, previous retires, a fresh key is next', () => {
    const [a, b, c, d] = [fresh(), fresh(), fresh(), fresh()];
    const first = rotateKeyRing(initialKeyRing(a, b, 0), c, 10);
    expect(states(first.ring)).toEqual({ current: b.publicJwk.kid, previous: a.publicJwk.kid, next: c.publicJwk.kid });
    expect(first.retired).toEqual([]);
    expect(first.ring).toMatchObject({ version: 2, rotatedAt: 10 });
    const second = rotateKeyRing(first.ring, d, 20);
    expect(states(second.ring)).toEqual({ current: c.publicJwk.kid, previous: b.publicJwk.kid, next: d.publicJwk.kid });
    expect(second.retired.map((key) => key.kid)).toEqual([a.publicJwk.kid]);
    expect(publishedJwks(second.ring).map((key) => key.kid)).toEqual([c.publicJwk.kid, d.publicJwk.kid, b.publicJwk.kid]);
  });

  it('every key that signs was published for a whole period before', () => {
    let ring = initialKeyRing(fresh(), fresh(), 0);
    for (let period = 1; period <= 5; period++) {
      const before = new Set(publishedJwks(ring).map((key) => key.kid));
      ring = rotateKeyRing(ring, fresh(), period).ring;
      expect(before.has(keyInState(ring, 'current')?.kid as string)).toBe(true);
      expect(ring.keys).toHaveLength(3);
    }
  });

  it('replaces at once on a change of mode, keeping the old signing key published; drops it on compromise', () => {
    const [a, b, c, d] = [fresh(), fresh(), fresh(), fresh()];
    const ring = initialKeyRing(a, b, 0);
    const replaced = replaceKeyRing(ring, c, d, 5);
    expect(states(replaced.ring)).toEqual({ current: c.publicJwk.kid, next: d.publicJwk.kid, previous: a.publicJwk.kid });
    expect(replaced.retired.map((key) => key.kid)).toEqual([b.publicJwk.kid]);
    const compromised = replaceKeyRing(ring, c, d, 5, { dropCurrent: true });
    expect(compromised.ring.keys.map((key) => key.kid)).toEqual([c.publicJwk.kid, d.publicJwk.kid]);
    expect(compromised.retired.map((key) => key.kid).sort()).toEqual([a.publicJwk.kid, b.publicJwk.kid].sort());
  });
});
