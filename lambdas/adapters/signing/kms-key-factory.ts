/**
 * `kms` signing keys: one asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) per ring key, created at
 * rotation and tagged with the deployment's key-ring tag, which is what the functions' IAM policies
 * are scoped to. A retired key is scheduled for deletion.
 */
import { CreateKeyCommand, GetPublicKeyCommand, ScheduleKeyDeletionCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { KeyMaterial, NewKey } from '../../core/signing-keys/key-ring.js';
import type { SigningKeyFactory } from '../../core/ports.js';
import { KEY_RING_TAG } from './kms-conventions.js';
import { publishedJwkOf } from './published-jwk.js';


export class KmsSigningKeyFactory implements SigningKeyFactory {
  readonly mode = 'kms';

  constructor(
    private readonly kms: KMSClient,
    private readonly keyRingTag: string,
    /** 7 to 30: the days KMS waits before deleting a key (a mistaken deletion can be cancelled meanwhile). */
    private readonly deletionDays: number,
  ) {}

  async generate(): Promise<NewKey> {
    const { KeyMetadata } = await this.kms.send(
      new CreateKeyCommand({
        // ES256 = ECDSA with P-256 and SHA-256 (RFC 7518 §3.4).
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        Description: `CIBA provider token signing key (ES256), key ring ${this.keyRingTag}`,
        Tags: [{ TagKey: KEY_RING_TAG, TagValue: this.keyRingTag }],
      }),
    );
    const keyId = KeyMetadata?.Arn;
    if (!keyId) throw new Error('KMS CreateKey returned no key ARN');
    const { PublicKey, KeySpec } = await this.kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    if (!PublicKey || KeySpec !== 'ECC_NIST_P256') throw new Error(`KMS key ${keyId} is not an ECC_NIST_P256 signing key`);
    return { publicJwk: publishedJwkOf({ spkiDer: PublicKey }), material: { kind: 'kms', keyId, keyRingTag: this.keyRingTag } };
  }

  async destroy(material: KeyMaterial): Promise<void> {
    if (material.kind !== 'kms') return;
    await this.kms.send(new ScheduleKeyDeletionCommand({ KeyId: material.keyId, PendingWindowInDays: this.deletionDays }));
  }
}
