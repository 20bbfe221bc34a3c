/**
 * Turns a ring key's stored material into a signing function, whatever mode made it (a ring changing
 * signing mode holds keys of both for a while).
 */
import { DecryptCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { KeyMaterial } from '../../core/signing-keys/key-ring.js';
import type { SigningKeyOpener } from '../../core/ports.js';
import { derToJoseSignature } from './der-signature.js';
import { ENVELOPE_ENCRYPTION_CONTEXT } from './kms-conventions.js';

type SignFunction = (signingInput: Uint8Array) => Promise<Uint8Array>;

function inProcess(privateKey: KeyObject): SignFunction {
  // JWS wants r || s (RFC 7518 §3.4), not DER.
  return async (signingInput) => sign('sha256', signingInput, { key: privateKey, dsaEncoding: 'ieee-p1363' });
}

export class KmsSigningKeyOpener implements SigningKeyOpener {
  /** `kms` is made on first need: the local runner never needs it. */
  constructor(private readonly kms: () => KMSClient) {}

  async open(material: KeyMaterial): Promise<SignFunction> {
    switch (material.kind) {
      case 'local':
        return inProcess(createPrivateKey({ key: { ...material.privateJwk }, format: 'jwk' }));
      case 'envelope': {
        const { Plaintext } = await this.kms().send(
          new DecryptCommand({ CiphertextBlob: Buffer.from(material.encryptedPrivateKey, 'base64'), KeyId: material.wrappingKeyId, EncryptionContext: { ...ENVELOPE_ENCRYPTION_CONTEXT } }),
        );
        if (!Plaintext) throw new Error('KMS Decrypt returned no plaintext');
        try {
          // A view, not a copy, so that zeroing below leaves no plaintext behind.
          return inProcess(createPrivateKey({ key: Buffer.from(Plaintext.buffer, Plaintext.byteOffset, Plaintext.byteLength), format: 'der', type: 'pkcs8' }));
        } finally {
          // The KeyObject holds the key from here; leave no second copy in the heap.
          Plaintext.fill(0);
        }
      }
      case 'kms':
        return async (signingInput) => {
          // Send the digest, not the message: KMS takes at most 4096 bytes of message, a digest always fits.
          const digest = createHash('sha256').update(signingInput).digest();
          const { Signature } = await this.kms().send(
            new SignCommand({ KeyId: material.keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }),
          );
          if (!Signature) throw new Error('KMS returned no signature');
          return derToJoseSignature(Signature);
        };
    }
  }
}
