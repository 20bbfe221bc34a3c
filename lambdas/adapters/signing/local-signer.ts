/**
 * The local runner's and the tests' signer: a P-256 key kept in a file outside version control, made
 * on first use. Deployed stacks use the KMS signer instead; both publish the same kind of key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PublishedJwk, Signer } from '../../core/ports.js';
import { ecThumbprint } from '../../core/jwt/jwk-thumbprint.js';

function loadOrCreateKey(keyFile: string): KeyObject {
  try {
    return createPrivateKey({ key: JSON.parse(readFileSync(keyFile, 'utf8')), format: 'jwk' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  mkdirSync(dirname(keyFile), { recursive: true });
  // 0600: the file holds a private key.
  writeFileSync(keyFile, JSON.stringify(privateKey.export({ format: 'jwk' })), { mode: 0o600 });
  return privateKey;
}

export class LocalSigner implements Signer {
  readonly alg = 'ES256';
  private readonly privateKey: KeyObject;
  private readonly jwk: PublishedJwk;

  constructor(keyFile: string) {
    this.privateKey = loadOrCreateKey(keyFile);
    const { kty, crv, x, y } = createPublicKey(this.privateKey).export({ format: 'jwk' });
    this.jwk = { kty: kty ?? 'EC', crv, x, y, kid: ecThumbprint({ crv, x, y }), use: 'sig', alg: this.alg };
  }

  async publicJwk(): Promise<PublishedJwk> {
    return this.jwk;
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    return sign('sha256', signingInput, { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
  }
}
