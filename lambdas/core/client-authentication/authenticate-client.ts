/**
 * Client authentication at the backchannel and token endpoints (RFC 6749 §2.3, CIBA Core §7.1).
 */
import { InvalidClient, invalidClient } from '../errors.js';
import type { FormParameters } from '../http/form.js';
import type { HttpRequest } from '../http/http.js';
import type { Client } from '../model.js';
import type { ClientRepository } from '../ports.js';
import { secretMatches } from '../secrets/secrets.js';
import { decodeJws } from '../jwt/jws.js';
import { readClientCredentials } from './read-client-credentials.js';
import { verifyClientAssertion, type AssertionDependencies } from './verify-client-assertion.js';

export interface ClientAuthenticationDependencies extends AssertionDependencies {
  readonly clients: ClientRepository;
}

// Stay indistinguishable: an unknown client, a wrong secret and a wrong method all get this answer,
// so the endpoint cannot be used to find out which client ids exist.
const FAILED = 'client authentication failed';

/** The client an assertion claims to be: client_id if sent, else the JWT's own iss (RFC 7523 §3). */
function assertedClientId(assertion: string, clientId: string | undefined): string {
  const { payload } = decodeJws(assertion, InvalidClient, 'the client assertion');
  if (clientId !== undefined && payload.iss !== clientId) throw invalidClient('the client assertion iss must be the client_id', false);
  if (typeof payload.iss !== 'string') throw invalidClient('the client assertion must have an iss', false);
  return payload.iss;
}

export async function authenticateClient(request: HttpRequest, params: FormParameters, deps: ClientAuthenticationDependencies): Promise<Client> {
  const presented = readClientCredentials(request, params);
  const usedBasic = presented.method === 'client_secret_basic';

  if (presented.method === 'private_key_jwt') {
    const client = await deps.clients.find(assertedClientId(presented.assertion, presented.clientId));
    if (!client || client.metadata.token_endpoint_auth_method !== 'private_key_jwt') throw invalidClient(FAILED, false);
    await verifyClientAssertion(presented.assertion, client, deps);
    return client;
  }

  const client = await deps.clients.find(presented.clientId);
  if (!client || client.metadata.token_endpoint_auth_method !== presented.method || !client.secretHash) {
    throw invalidClient(FAILED, usedBasic);
  }
  if (!secretMatches(presented.secret, client.secretHash)) throw invalidClient(FAILED, usedBasic);
  return client;
}
