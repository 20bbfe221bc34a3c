/** POST /bc-authorize */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { externalService } from '../adapters/external-service.js';
import { providerSigner } from '../adapters/signing/signer.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { backchannelAuthentication } from '../core/backchannel/backchannel-authentication.js';
import { systemClock } from '../core/ports.js';

export const handler = httpEndpoint(async (request) => {
  const settings = config();
  return backchannelAuthentication(request, { config: settings, clock: systemClock, signer: providerSigner(settings), externalService: externalService(settings), ...tableRepositories(settings) });
});
