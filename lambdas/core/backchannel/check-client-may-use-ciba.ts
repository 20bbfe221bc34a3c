import { UnauthorizedClient } from '../errors.js';
import { CIBA_GRANT_TYPE, type Client } from '../model.js';

/** CIBA Core §13 unauthorized_client: the client is not registered for the CIBA grant. */
export function checkClientMayUseCiba(client: Client): void {
  if (!client.metadata.grant_types.includes(CIBA_GRANT_TYPE)) {
    throw new UnauthorizedClient('the client is not registered for the CIBA grant type');
  }
}
