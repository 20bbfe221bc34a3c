/**
 * Rotating a client's secret (the operator's `ciba clients rotate-secret`): a new secret, made and kept
 * as registration makes and keeps one (256 random bits, only its SHA-256 stored), shown once.
 */
import type { ClientAdministration, ClientRepository } from '../ports.js';
import { hashSecret, randomToken } from '../secrets/secrets.js';
import { usesSecret } from './create-client.js';

export type SecretRotation =
  | { readonly kind: 'rotated'; readonly clientSecret: string }
  | { readonly kind: 'unknownClient' }
  /** The client authenticates with private_key_jwt: it has no secret; its keys are its credentials. */
  | { readonly kind: 'noSecret' }
  /** Another rotation (or a deletion) changed the client between the read and the write. */
  | { readonly kind: 'changedMeanwhile' };

/**
 * Replaces the secret in one conditional write on the hash that was read: the old secret stops
 * authenticating at once, and of two rotations that read the same secret exactly one lands, so that the
 * other operator is told instead of handed a secret that was overwritten before it was ever shown.
 */
export async function rotateClientSecret(clientId: string, clients: ClientRepository & ClientAdministration): Promise<SecretRotation> {
  const client = await clients.find(clientId);
  if (!client) return { kind: 'unknownClient' };
  if (!usesSecret(client.metadata) || client.secretHash === undefined) return { kind: 'noSecret' };
  const clientSecret = randomToken(32);
  if (!(await clients.replaceSecretHash(clientId, client.secretHash, hashSecret(clientSecret)))) return { kind: 'changedMeanwhile' };
  return { kind: 'rotated', clientSecret };
}
