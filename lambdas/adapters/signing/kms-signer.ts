/**
 * Signing with an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY): the private key never leaves KMS.
 * The public key is fetched once per cold start and published as the JWKS.
 */
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { createHash, createPublicKey } from 'node:crypto';
import type { PublishedJwk, Signer } from '../../core/ports.js';
import { derToJoseSignature } from './der-signature.js';
import { ecThumbprint } from '../../core/jwt/jwk-thumbprint.js';

export class KmsSigner implements Signer {
  readonly alg = 'ES256';
  private jwk: Promise<PublishedJwk> | undefined;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  publicJwk(): Promise<PublishedJwk> {
    this.jwk ??= this.fetchPublicJwk().catch((error: unknown) => {
      this.jwk = undefined; // a failed fetch is retried by the next request, not cached
      throw error;
    });
    return this.jwk;
  }

  private async fetchPublicJwk(): Promise<PublishedJwk> {
    const { PublicKey, KeySpec } = await this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
    if (!PublicKey || KeySpec !== 'ECC_NIST_P256') throw new Error(`KMS key ${this.keyId} is not an ECC_NIST_P256 signing key`);
    const { kty, crv, x, y } = createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    return { kty: kty ?? 'EC', crv, x, y, kid: ecThumbprint({ crv, x, y }), use: 'sig', alg: this.alg };
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    // Send the digest, not the message: KMS takes at most 4096 bytes of message, a digest always fits.
    const digest = createHash('sha256').update(signingInput).digest();
    const { Signature } = await this.kms.send(
      new SignCommand({ KeyId: this.keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    if (!Signature) throw new Error('KMS returned no signature');
    return derToJoseSignature(Signature);
  }
}
