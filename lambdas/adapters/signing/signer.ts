/**
 * The provider's signer and key factory as configured (README, "Signing keys"): `envelope` or `kms`
 * when deployed, `local` in the local runner. Both made once per process, on first use.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import type { Config } from '../../config.js';
import { systemClock, type Signer, type SigningKeyFactory } from '../../core/ports.js';
import { ensureSigningKeys } from '../../core/signing-keys/rotate-signing-keys.js';
import { dynamoDbClient } from '../dynamodb/dynamodb-client.js';
import { DynamoDbKeyRingStore } from '../dynamodb/key-ring-store.js';
import { EnvelopeSigningKeyFactory } from './envelope-key-factory.js';
import { KeyRingSigner } from './key-ring-signer.js';
import { KmsSigningKeyFactory } from './kms-key-factory.js';
import { LocalSigningKeyFactory } from './local-key-factory.js';
import { KmsSigningKeyOpener } from './signing-key-opener.js';

let kms: KMSClient | undefined;
let signer: Signer | undefined;

function kmsClient(config: Pick<Config, 'region'>): KMSClient {
  kms ??= new KMSClient({ region: config.region });
  return kms;
}

/** Makes keys of the configured mode: for the rotation function and `npx ciba keys rotate`. */
export function signingKeyFactory(config: Pick<Config, 'signing' | 'region'>, client: () => KMSClient = () => kmsClient(config)): SigningKeyFactory {
  const { signing } = config;
  switch (signing.kind) {
    case 'kms':
      return new KmsSigningKeyFactory(client(), signing.keyRingTag, signing.keyDeletionDays);
    case 'envelope':
      return new EnvelopeSigningKeyFactory(client(), signing.wrappingKeyId);
    case 'local':
      return new LocalSigningKeyFactory();
  }
}

export function keyRingStore(config: Pick<Config, 'region' | 'table'>): DynamoDbKeyRingStore {
  return new DynamoDbKeyRingStore(dynamoDbClient(config), config.table.name);
}

export function providerSigner(config: Config): Signer {
  if (!signer) {
    const store = keyRingStore(config);
    signer = new KeyRingSigner(store, new KmsSigningKeyOpener(() => kmsClient(config)), systemClock, {
      cacheSeconds: config.signing.keyRingCacheSeconds,
      // Locally the first request makes the keys; deployed, the stack made them at deploy time.
      ...(config.signing.kind === 'local' ? { initialise: () => ensureSigningKeys({ store, factory: new LocalSigningKeyFactory(), clock: systemClock }) } : {}),
    });
  }
  return signer;
}
