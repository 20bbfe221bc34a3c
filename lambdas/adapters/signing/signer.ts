import { KMSClient } from '@aws-sdk/client-kms';
import type { Config } from '../../config.js';
import type { Signer } from '../../core/ports.js';
import { KmsSigner } from './kms-signer.js';
import { LocalSigner } from './local-signer.js';

let signer: Signer | undefined;

/** The provider's signer as configured: KMS when deployed, a local key file when run locally. */
export function providerSigner(config: Config): Signer {
  signer ??= config.signing.kind === 'kms' ? new KmsSigner(new KMSClient({ region: config.region }), config.signing.keyId) : new LocalSigner(config.signing.keyFile);
  return signer;
}
