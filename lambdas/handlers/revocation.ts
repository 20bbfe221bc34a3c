/** POST /revoke */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { providerSigner } from '../adapters/signing/signer.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { systemClock } from '../core/ports.js';
import { revoke } from '../core/revocation/revoke.js';

export const handler = httpEndpoint(async (request) => {
  const settings = config();
  return revoke(request, { config: settings, clock: systemClock, signer: providerSigner(settings), ...tableRepositories(settings) });
});
