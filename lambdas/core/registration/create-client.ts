import type { Client, ClientMetadata } from '../model.js';
import type { ClientRepository, Clock } from '../ports.js';
import { hashSecret, randomToken } from '../secrets/secrets.js';

export interface CreatedClient {
  readonly client: Client;
  /** Shown once, to whoever registered the client; only its hash is stored. */
  readonly clientSecret: string | undefined;
}

/** Whether the client authenticates with a secret (and so has one to rotate). */
export const usesSecret = (metadata: ClientMetadata): boolean =>
  metadata.token_endpoint_auth_method === 'client_secret_basic' || metadata.token_endpoint_auth_method === 'client_secret_post';

/** Stores a client with validated metadata: a random id and, for secret-based methods, a secret. */
export async function createClient(metadata: ClientMetadata, clients: ClientRepository, clock: Clock): Promise<CreatedClient> {
  const clientSecret = usesSecret(metadata) ? randomToken(32) : undefined;
  const client: Client = {
    clientId: randomToken(16),
    ...(clientSecret !== undefined ? { secretHash: hashSecret(clientSecret) } : {}),
    metadata,
    createdAt: clock.now(),
  };
  await clients.create(client);
  return { client, clientSecret };
}

/** RFC 7591 §3.2.1: the client information response. */
export function clientInformation({ client, clientSecret }: CreatedClient): Record<string, unknown> {
  return {
    client_id: client.clientId,
    client_id_issued_at: Math.floor(client.createdAt / 1000),
    ...(clientSecret !== undefined ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
    ...client.metadata,
  };
}
