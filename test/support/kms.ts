/**
 * A KMS at the SDK boundary for tests: KMSClient is mocked (aws-sdk-client-mock), but every key is a
 * real key and every operation does the real cryptography, so what the code under test makes verifies
 * for real. Asymmetric keys (CreateKey, GetPublicKey, Sign over a digest, ScheduleKeyDeletion) and
 * symmetric wrapping keys (GenerateDataKeyPairWithoutPlaintext, Decrypt with an encryption context,
 * here AES-256-GCM with the context as additional data) are kept in memory by ARN.
 */
import {
  CreateKeyCommand,
  DecryptCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GetPublicKeyCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
  SignCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { createCipheriv, createDecipheriv, createECDH, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';

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
export function signDigest(privateKey: KeyObject, digest: Uint8Array): Uint8Array {
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


function stubKms() {
  return mockClient(KMSClient);
}
type KmsStub = ReturnType<typeof stubKms>;

const ACCOUNT_ARN = 'arn:aws:kms:us-east-1:000000000000:key/';

/** What the test KMS holds and was asked, for assertions. */
export interface TestKms {
  readonly mock: KmsStub;
  /** A client to hand to the code under test (its calls land in `mock`). */
  readonly client: KMSClient;
  /** Asymmetric signing keys by ARN, with their tags and whether deletion was scheduled. */
  readonly signingKeys: Map<string, { privateKey: KeyObject; publicKey: KeyObject; tags: Record<string, string>; pendingDeletionDays?: number }>;
  /** Makes a symmetric wrapping key; returns its ARN. */
  addWrappingKey(): string;
  /** Every plaintext Decrypt returned, to check the caller wiped it. */
  readonly decryptedPlaintexts: Uint8Array[];
  restore(): void;
}

class KmsError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const contextData = (context: Record<string, string> | undefined): Buffer =>
  Buffer.from(JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))));

export function startTestKms(): TestKms {
  const mock = stubKms();
  const signingKeys: TestKms['signingKeys'] = new Map();
  const wrappingKeys = new Map<string, Buffer>();
  const decryptedPlaintexts: Uint8Array[] = [];

  mock.on(CreateKeyCommand).callsFake(async (input) => {
    if (input.KeySpec !== 'ECC_NIST_P256' || input.KeyUsage !== 'SIGN_VERIFY') throw new KmsError('UnsupportedOperationException', 'the test KMS makes ECC_NIST_P256 signing keys only');
    const arn = ACCOUNT_ARN + randomUUID();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const tags = Object.fromEntries((input.Tags ?? []).map((tag: { TagKey?: string; TagValue?: string }) => [tag.TagKey, tag.TagValue]));
    signingKeys.set(arn, { privateKey, publicKey, tags });
    return { KeyMetadata: { KeyId: arn.slice(ACCOUNT_ARN.length), Arn: arn, KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' } };
  });
  mock.on(GetPublicKeyCommand).callsFake(async (input) => {
    const key = signingKeys.get(String(input.KeyId));
    if (!key) throw new KmsError('NotFoundException', `no key ${input.KeyId}`);
    return { KeyId: input.KeyId, KeySpec: 'ECC_NIST_P256', PublicKey: new Uint8Array(key.publicKey.export({ format: 'der', type: 'spki' })) };
  });
  mock.on(SignCommand).callsFake(async (input) => {
    const key = signingKeys.get(String(input.KeyId));
    if (!key) throw new KmsError('NotFoundException', `no key ${input.KeyId}`);
    if (key.pendingDeletionDays !== undefined) throw new KmsError('KMSInvalidStateException', `${input.KeyId} is pending deletion`);
    if (input.MessageType !== 'DIGEST' || input.Message === undefined || input.SigningAlgorithm !== 'ECDSA_SHA_256') throw new Error('the test KMS signs SHA-256 digests only');
    return { KeyId: input.KeyId, SigningAlgorithm: input.SigningAlgorithm, Signature: signDigest(key.privateKey, input.Message) };
  });
  mock.on(ScheduleKeyDeletionCommand).callsFake(async (input) => {
    const key = signingKeys.get(String(input.KeyId));
    if (!key) throw new KmsError('NotFoundException', `no key ${input.KeyId}`);
    const days = input.PendingWindowInDays ?? 30;
    if (days < 7 || days > 30) throw new KmsError('ValidationException', 'PendingWindowInDays must be 7 to 30');
    key.pendingDeletionDays = days;
    return { KeyId: input.KeyId, PendingWindowInDays: days };
  });
  mock.on(GenerateDataKeyPairWithoutPlaintextCommand).callsFake(async (input) => {
    const wrappingKey = wrappingKeys.get(String(input.KeyId));
    if (!wrappingKey) throw new KmsError('NotFoundException', `no wrapping key ${input.KeyId}`);
    if (input.KeyPairSpec !== 'ECC_NIST_P256') throw new Error('the test KMS makes ECC_NIST_P256 key pairs only');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', wrappingKey, iv).setAAD(contextData(input.EncryptionContext));
    const sealed = Buffer.concat([cipher.update(privateKey.export({ format: 'der', type: 'pkcs8' })), cipher.final()]);
    // The ciphertext names its key, as KMS's does (so Decrypt works without KeyId too).
    const blob = Buffer.concat([Buffer.from(String(input.KeyId).padEnd(100)), iv, cipher.getAuthTag(), sealed]);
    return { KeyId: input.KeyId, KeyPairSpec: 'ECC_NIST_P256', PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })), PrivateKeyCiphertextBlob: new Uint8Array(blob) };
  });
  mock.on(DecryptCommand).callsFake(async (input) => {
    const blob = Buffer.from(input.CiphertextBlob ?? new Uint8Array());
    const keyId = blob.subarray(0, 100).toString().trim();
    if (input.KeyId !== undefined && input.KeyId !== keyId) throw new KmsError('IncorrectKeyException', 'the ciphertext was made under another key');
    const wrappingKey = wrappingKeys.get(keyId);
    if (!wrappingKey) throw new KmsError('InvalidCiphertextException', 'unknown ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', wrappingKey, blob.subarray(100, 112)).setAAD(contextData(input.EncryptionContext));
    decipher.setAuthTag(blob.subarray(112, 128));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(blob.subarray(128)), decipher.final()]);
    } catch {
      // A wrong encryption context fails authentication, as in KMS.
      throw new KmsError('InvalidCiphertextException', 'the ciphertext or its encryption context is wrong');
    }
    const returned = new Uint8Array(plaintext);
    decryptedPlaintexts.push(returned);
    return { KeyId: keyId, Plaintext: returned };
  });

  return {
    mock,
    client: new KMSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    signingKeys,
    addWrappingKey() {
      const arn = ACCOUNT_ARN + randomUUID();
      wrappingKeys.set(arn, randomBytes(32));
      return arn;
    },
    decryptedPlaintexts,
    restore: () => mock.restore(),
  };
}
