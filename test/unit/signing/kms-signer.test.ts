/**
 * The KMS signer at the SDK boundary: KMSClient is mocked (aws-sdk-client-mock), but the key is a
 * real P-256 key pair and the mocked Sign really signs, so the JWTs made here verify for real.
 */
import { GetPublicKeyCommand, KMSClient, SignCommand, type SignCommandInput } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { createECDH, createHash, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { KmsSigner } from '../../../lambdas/adapters/signing/kms-signer.js';
import { signJwt } from '../../../lambdas/core/jwt/sign-jwt.js';

const KEY_ID = 'arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555';

/** The order n of the P-256 base point (SEC 2 §2.4.2). */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const toBigInt = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

function derInteger(value: bigint): number[] {
  const hex = value.toString(16);
  const bytes = [...Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex')];
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return [0x02, bytes.length, ...bytes];
}

/**
 * ECDSA (FIPS 186-5 §6.4.1) over a digest computed by someone else, which is what KMS does for
 * MessageType DIGEST. node:crypto always hashes what it signs (algorithm null on an EC key means
 * SHA-256 again), so: k·G comes from ECDH (a scalar multiplication of the base point, the public key
 * of the private key k), and the rest is modular arithmetic. Returns DER, as KMS does.
 */
function signDigest(privateKey: KeyObject, digest: Uint8Array): Uint8Array {
  const d = toBigInt(Buffer.from(String(privateKey.export({ format: 'jwk' }).d), 'base64url'));
  // A SHA-256 digest has the bit length of n: no truncation.
  const z = toBigInt(digest);
  for (let attempt = 0; attempt < 16; attempt++) {
    const k = toBigInt(randomBytes(32));
    if (k === 0n || k >= P256_N) continue;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(k.toString(16).padStart(64, '0'), 'hex'));
    const r = toBigInt(ecdh.getPublicKey().subarray(1, 33)) % P256_N;
    if (r === 0n) continue;
    const s = (modPow(k, P256_N - 2n, P256_N) * ((z + r * d) % P256_N)) % P256_N;
    if (s === 0n) continue;
    const body = [...derInteger(r), ...derInteger(s)];
    return Uint8Array.from([0x30, body.length, ...body]);
  }
  throw new Error('could not make a signature');
}

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

const kms = mockClient(KMSClient);
afterAll(() => kms.restore());

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicKeyResponse = { KeyId: KEY_ID, PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })), KeySpec: 'ECC_NIST_P256' as const };

function newSigner(): KmsSigner {
  return new KmsSigner(new KMSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), KEY_ID);
}

beforeEach(() => {
  kms.reset();
  kms.on(GetPublicKeyCommand).resolves(publicKeyResponse);
  kms.on(SignCommand).callsFake(async (input: SignCommandInput) => {
    if (input.MessageType !== 'DIGEST' || input.Message === undefined) throw new Error('the test KMS signs digests only');
    return { KeyId: KEY_ID, SigningAlgorithm: input.SigningAlgorithm, Signature: signDigest(privateKey, input.Message) };
  });
});

describe('the test KMS itself', () => {
  it('makes real ECDSA P-256 signatures over a SHA-256 digest', () => {
    for (let i = 0; i < 20; i++) {
      const message = randomBytes(100);
      const signature = signDigest(privateKey, sha256(message));
      expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(true);
      expect(verify('sha256', Buffer.concat([message, Buffer.from('x')]), { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(false);
    }
  });
});

describe('KmsSigner', () => {
  it('publishes the public half of the KMS key, named by its RFC 7638 thumbprint', async () => {
    const jwk = await newSigner().publicJwk();
    const expected = publicKey.export({ format: 'jwk' });
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', x: expected.x, y: expected.y, use: 'sig', alg: 'ES256' });
    expect(jwk).not.toHaveProperty('d');
    expect(jwk.kid).toBe(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: expected.x, y: expected.y }, 'sha256'));
    expect(kms.commandCalls(GetPublicKeyCommand, { KeyId: KEY_ID })).toHaveLength(1);
  });

  it('sends KMS the SHA-256 digest, as a DIGEST for ECDSA_SHA_256, and returns a JWS signature', async () => {
    const input = Buffer.from('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJqYW5lLmRvZSJ9', 'ascii');
    const signature = await newSigner().sign(input);
    const calls = kms.commandCalls(SignCommand);
    expect(calls).toHaveLength(1);
    const sent = calls[0]?.args[0].input;
    expect(sent).toMatchObject({ KeyId: KEY_ID, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(Buffer.from(sent?.Message ?? new Uint8Array()).equals(sha256(input))).toBe(true);
    expect(signature).toHaveLength(64);
    expect(verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
  });

  it('signs JWTs with signJwt that verify against the real public key and the published JWK', async () => {
    const signer = newSigner();
    const jwks = createLocalJWKSet({ keys: [await signer.publicJwk()] });
    // Several tokens, so that signatures with short r or s pass through the DER conversion too.
    for (let i = 0; i < 25; i++) {
      const jwt = await signJwt(signer, { typ: 'JWT' }, { iss: 'https://ciba.test', sub: 'jane.doe', n: i });
      const byKey = await jwtVerify(jwt, publicKey, { algorithms: ['ES256'], issuer: 'https://ciba.test' });
      expect(byKey.payload).toMatchObject({ sub: 'jane.doe', n: i });
      expect(byKey.protectedHeader).toEqual({ typ: 'JWT', alg: 'ES256', kid: (await signer.publicJwk()).kid });
      await expect(jwtVerify(jwt, jwks, { algorithms: ['ES256'] })).resolves.toBeDefined();
    }
    // The public key is fetched once per signer (once per cold start), not per token.
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
  });

  it('puts the thumbprint kid in the JWT header', async () => {
    const signer = newSigner();
    const jwt = await signJwt(signer, {}, { sub: 'demo' });
    const expected = publicKey.export({ format: 'jwk' });
    expect(decodeProtectedHeader(jwt).kid).toBe(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: expected.x, y: expected.y }, 'sha256'));
  });

  it('does not cache a failed GetPublicKey: the next call asks KMS again', async () => {
    kms.on(GetPublicKeyCommand).rejectsOnce(new Error('ThrottlingException: Rate exceeded')).resolves(publicKeyResponse);
    const signer = newSigner();
    await expect(signer.publicJwk()).rejects.toThrow(/Rate exceeded/);
    await expect(signer.publicJwk()).resolves.toMatchObject({ kty: 'EC', alg: 'ES256' });
    await expect(signer.publicJwk()).resolves.toMatchObject({ kty: 'EC', alg: 'ES256' });
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
  });

  it('refuses a key that is not ECC_NIST_P256, and asks again next time', async () => {
    kms.on(GetPublicKeyCommand).resolvesOnce({ ...publicKeyResponse, KeySpec: 'RSA_2048' }).resolves(publicKeyResponse);
    const signer = newSigner();
    await expect(signer.publicJwk()).rejects.toThrow(/ECC_NIST_P256/);
    await expect(signer.publicJwk()).resolves.toMatchObject({ crv: 'P-256' });
  });

  it('fails when KMS returns no signature, or fails to sign', async () => {
    kms.on(SignCommand).resolvesOnce({ KeyId: KEY_ID }).rejectsOnce(new Error('KMSInvalidStateException'));
    const signer = newSigner();
    await expect(signer.sign(Buffer.from('a.b'))).rejects.toThrow(/no signature/);
    await expect(signer.sign(Buffer.from('a.b'))).rejects.toThrow(/KMSInvalidStateException/);
  });
});
