/** POST /external/callback/{auth_req_id} */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { receiveExternalCallback } from '../core/external/receive-callback.js';
import { systemClock } from '../core/ports.js';

export const handler = httpEndpoint(async (request, { telemetry }) => receiveExternalCallback(request, { config: config(), clock: systemClock, telemetry, ...tableRepositories(config()) }));
