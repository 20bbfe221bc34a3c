/**
 * Client authentication at the backchannel and token endpoints (RFC 6749 §2.3, CIBA Core §7.1).
 */
import { invalidClient } from '../errors.js';
import type { FormParameters } from '../http/form.js';
import type { HttpRequest } from '../http/http.js';
import type { Client } from '../model.js';
import type { ClientRepository } from '../ports.js';
import { secretMatches } from '../secrets/secrets.js';
import { readClientCredentials } from './read-client-credentials.js';

// Stay indistinguishable: an unknown client, a wrong secret and a wrong method all get this answer,
// so the endpoint cannot be used to find out which client ids exist.
const FAILED = 'client authentication failed';

export async function authenticateClient(request: HttpRequest, params: FormParameters, clients: ClientRepository): Promise<Client> {
  const presented = readClientCredentials(request, params);
  const usedBasic = presented.method === 'client_secret_basic';

  if (presented.method === 'private_key_jwt') {
    // Registration accepts private_key_jwt clients already; verifying their assertions is the
    // signed-requests work (RFC 7523). Until then such a client cannot authenticate.
    throw invalidClient('private_key_jwt client authentication is not available in this version', false);
  }

  const client = await clients.find(presented.clientId);
  if (!client || client.metadata.token_endpoint_auth_method !== presented.method || !client.secretHash) {
    throw invalidClient(FAILED, usedBasic);
  }
  if (!secretMatches(presented.secret, client.secretHash)) throw invalidClient(FAILED, usedBasic);
  return client;
}
