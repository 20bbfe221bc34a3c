/**
 * `local` signing keys: generated in process, the private JWK stored in plain in the key ring. For the
 * local runner and the tests only, where the table is on the developer's disk.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { NewKey } from '../../core/signing-keys/key-ring.js';
import type { SigningKeyFactory } from '../../core/ports.js';
import { publishedJwkOf } from './published-jwk.js';

export class LocalSigningKeyFactory implements SigningKeyFactory {
  readonly mode = 'local';

  async generate(): Promise<NewKey> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { kty, crv, x, y, d } = privateKey.export({ format: 'jwk' });
    return { publicJwk: publishedJwkOf(privateKey), material: { kind: 'local', privateJwk: { kty: kty as string, crv: crv as string, x: x as string, y: y as string, d: d as string } } };
  }

  async destroy(): Promise<void> {
    // Dropping the key from the ring is its destruction.
  }
}
