/**
 * `kms` and `envelope` signing keys at the SDK boundary: KMSClient is mocked, but the test KMS
 * (test/support/kms.ts) holds real keys and really signs, encrypts and decrypts, so what is signed here
 * verifies for real.
 */
import { CreateKeyCommand, DecryptCommand, GenerateDataKeyPairWithoutPlaintextCommand, GetPublicKeyCommand, ScheduleKeyDeletionCommand, SignCommand } from '@aws-sdk/client-kms';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import { createHash, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EnvelopeSigningKeyFactory } from '../../../lambdas/adapters/signing/envelope-key-factory.js';
import { KmsSigningKeyFactory } from '../../../lambdas/adapters/signing/kms-key-factory.js';
import { ENVELOPE_ENCRYPTION_CONTEXT, KEY_RING_TAG } from '../../../lambdas/adapters/signing/kms-conventions.js';
import { KmsSigningKeyOpener } from '../../../lambdas/adapters/signing/signing-key-opener.js';
import { signJwt } from '../../../lambdas/core/jwt/sign-jwt.js';
import type { NewKey } from '../../../lambdas/core/signing-keys/key-ring.js';
import type { Signer } from '../../../lambdas/core/ports.js';
import { signDigest, startTestKms } from '../../support/kms.js';

const kms = startTestKms();
afterAll(() => kms.restore());
beforeEach(() => kms.mock.resetHistory());

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();
const opener = new KmsSigningKeyOpener(() => kms.client);

/** A Signer over one freshly made key, as the key ring signer would present it. */
async function signerFor(key: NewKey): Promise<Signer> {
  const sign = await opener.open(key.material);
  return { alg: 'ES256', currentKey: async () => ({ kid: key.publicJwk.kid, alg: 'ES256', sign }), publishedKeys: async () => [key.publicJwk] };
}

describe('the test KMS itself', () => {
  it('makes real ECDSA P-256 signatures over a SHA-256 digest', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (let i = 0; i < 20; i++) {
      const message = randomBytes(100);
      const signature = signDigest(privateKey, sha256(message));
      expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(true);
      expect(verify('sha256', Buffer.concat([message, Buffer.from('x')]), { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(false);
    }
  });
});

describe('kms signing keys', () => {
  const factory = new KmsSigningKeyFactory(kms.client, 'ring-1', 7);

  it('creates an ECC_NIST_P256 signing key tagged with the key ring, and publishes its thumbprint kid', async () => {
    const key = await factory.generate();
    expect(kms.mock.commandCalls(CreateKeyCommand)[0]?.args[0].input).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Tags: [{ TagKey: KEY_RING_TAG, TagValue: 'ring-1' }] });
    expect(key.material.kind).toBe('kms');
    const stored = kms.signingKeys.get(key.material.kind === 'kms' ? key.material.keyId : '');
    const expected = stored?.publicKey.export({ format: 'jwk' });
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', x: expected?.x, y: expected?.y, use: 'sig', alg: 'ES256' });
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(key.publicJwk.kid).toBe(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: String(expected?.x), y: String(expected?.y) }, 'sha256'));
  });

  it('sends KMS the SHA-256 digest, as a DIGEST for ECDSA_SHA_256, once per token, and the JWTs verify', async () => {
    const key = await factory.generate();
    const signer = await signerFor(key);
    const jwks = createLocalJWKSet({ keys: [key.publicJwk] });
    // Several tokens, so that signatures with short r or s pass through the DER conversion too.
    for (let i = 0; i < 25; i++) {
      const jwt = await signJwt(signer, { typ: 'JWT' }, { iss: 'https://ciba.test', sub: 'jane.doe', n: i });
      const { payload, protectedHeader } = await jwtVerify(jwt, jwks, { algorithms: ['ES256'], issuer: 'https://ciba.test' });
      expect(payload).toMatchObject({ sub: 'jane.doe', n: i });
      expect(protectedHeader).toEqual({ typ: 'JWT', alg: 'ES256', kid: key.publicJwk.kid });
      const sent = kms.mock.commandCalls(SignCommand).at(-1)?.args[0].input;
      const [header, body] = jwt.split('.');
      expect(Buffer.from(sent?.Message ?? new Uint8Array()).equals(sha256(Buffer.from(`${header}.${body}`)))).toBe(true);
      expect(sent).toMatchObject({ MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' });
    }
    expect(kms.mock.commandCalls(SignCommand)).toHaveLength(25);
  });

  it('schedules a retired key for deletion with the configured window, after which it no longer signs', async () => {
    const key = await factory.generate();
    const sign = await opener.open(key.material);
    await factory.destroy(key.material);
    expect(kms.mock.commandCalls(ScheduleKeyDeletionCommand)[0]?.args[0].input).toEqual({ KeyId: key.material.kind === 'kms' ? key.material.keyId : '', PendingWindowInDays: 7 });
    await expect(sign(Buffer.from('a.b'))).rejects.toThrow(/pending deletion/);
  });

  it('refuses a key that is not ECC_NIST_P256', async () => {
    kms.mock.on(GetPublicKeyCommand).resolvesOnce({ KeyId: 'x', KeySpec: 'RSA_2048', PublicKey: new Uint8Array(1) });
    await expect(factory.generate()).rejects.toThrow(/ECC_NIST_P256/);
  });
});

describe('envelope signing keys', () => {
  const wrappingKeyId = kms.addWrappingKey();
  const factory = new EnvelopeSigningKeyFactory(kms.client, wrappingKeyId);

  it('asks KMS for a P-256 key pair whose private key comes back only encrypted, bound to the encryption context', async () => {
    const key = await factory.generate();
    expect(kms.mock.commandCalls(GenerateDataKeyPairWithoutPlaintextCommand)[0]?.args[0].input).toEqual({ KeyId: wrappingKeyId, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: ENVELOPE_ENCRYPTION_CONTEXT });
    expect(key.material).toMatchObject({ kind: 'envelope', wrappingKeyId });
    expect(JSON.stringify(key)).not.toMatch(/"d"/);
  });

  it('decrypts once, signs in process without KMS, and wipes the decrypted plaintext', async () => {
    const key = await factory.generate();
    const signer = await signerFor(key);
    const jwks = createLocalJWKSet({ keys: [key.publicJwk] });
    for (let i = 0; i < 10; i++) {
      const jwt = await signJwt(signer, { typ: 'JWT' }, { n: i });
      await expect(jwtVerify(jwt, jwks, { algorithms: ['ES256'] })).resolves.toMatchObject({ payload: { n: i } });
    }
    expect(kms.mock.commandCalls(DecryptCommand)).toHaveLength(1);
    expect(kms.mock.commandCalls(DecryptCommand)[0]?.args[0].input.EncryptionContext).toEqual(ENVELOPE_ENCRYPTION_CONTEXT);
    expect(kms.mock.commandCalls(SignCommand)).toHaveLength(0);
    const plaintext = kms.decryptedPlaintexts.at(-1);
    expect(plaintext?.length).toBeGreaterThan(0);
    expect(plaintext?.every((byte) => byte === 0)).toBe(true);
  });

  it('cannot open a key whose ciphertext was altered', async () => {
    const key = await factory.generate();
    if (key.material.kind !== 'envelope') throw new Error('expected an envelope key');
    const blob = Buffer.from(key.material.encryptedPrivateKey, 'base64');
    blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 1;
    await expect(opener.open({ ...key.material, encryptedPrivateKey: blob.toString('base64') })).rejects.toThrow(/ciphertext/);
  });
});
