/** POST /token */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { providerSigner } from '../adapters/signing/signer.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { systemClock } from '../core/ports.js';
import { tokenEndpoint } from '../core/token/token-endpoint.js';

export const handler = httpEndpoint(async (request) => {
  const settings = config();
  return tokenEndpoint(request, { config: settings, clock: systemClock, signer: providerSigner(settings), ...tableRepositories(settings) });
});
