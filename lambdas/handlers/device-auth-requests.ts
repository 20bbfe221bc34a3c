/** GET /device/auth-requests and GET /device/auth-requests/{auth_req_id} */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { listPendingAuthRequests, showAuthRequest } from '../core/device/device-auth-requests.js';
import { systemClock } from '../core/ports.js';

export const handler = httpEndpoint(async (request) => {
  const deps = { config: config(), clock: systemClock, ...tableRepositories(config()) };
  return request.pathParameters.auth_req_id === undefined ? listPendingAuthRequests(request, deps) : showAuthRequest(request, deps);
});
