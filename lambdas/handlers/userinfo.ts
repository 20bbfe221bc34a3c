/** GET /userinfo and POST /userinfo */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { providerSigner } from '../adapters/signing/signer.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { systemClock } from '../core/ports.js';
import { userinfo } from '../core/userinfo/userinfo.js';

export const handler = httpEndpoint(async (request) => {
  const settings = config();
  const { users, revocations } = tableRepositories(settings);
  return userinfo(request, { config: settings, clock: systemClock, signer: providerSigner(settings), users, revocations });
});
