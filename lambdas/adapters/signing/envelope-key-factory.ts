/**
 * `envelope` signing keys: KMS generates a P-256 key pair and returns the private key encrypted under
 * the deployment's symmetric wrapping key (GenerateDataKeyPairWithoutPlaintext: the plaintext private
 * key is never seen by the rotation function). The ring stores the ciphertext; the functions that sign
 * decrypt it once per cold start (signing-key-opener.ts).
 */
import { GenerateDataKeyPairWithoutPlaintextCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { NewKey } from '../../core/signing-keys/key-ring.js';
import type { SigningKeyFactory } from '../../core/ports.js';
import { ENVELOPE_ENCRYPTION_CONTEXT } from './kms-conventions.js';
import { publishedJwkOf } from './published-jwk.js';


export class EnvelopeSigningKeyFactory implements SigningKeyFactory {
  readonly mode = 'envelope';

  constructor(
    private readonly kms: KMSClient,
    private readonly wrappingKeyId: string,
  ) {}

  async generate(): Promise<NewKey> {
    const { PublicKey, PrivateKeyCiphertextBlob, KeyId } = await this.kms.send(
      new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: this.wrappingKeyId, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: { ...ENVELOPE_ENCRYPTION_CONTEXT } }),
    );
    if (!PublicKey || !PrivateKeyCiphertextBlob) throw new Error('KMS GenerateDataKeyPairWithoutPlaintext returned no key pair');
    return {
      publicJwk: publishedJwkOf({ spkiDer: PublicKey }),
      // KMS answers with the wrapping key's ARN; keep it so the ring names the key that decrypts it.
      material: { kind: 'envelope', wrappingKeyId: KeyId ?? this.wrappingKeyId, encryptedPrivateKey: Buffer.from(PrivateKeyCiphertextBlob).toString('base64') },
    };
  }

  async destroy(): Promise<void> {
    // Dropping the ciphertext from the ring is its destruction; the wrapping key stays for the others.
  }
}
