/** POST /device/auth-requests/{auth_req_id}/decision */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { decideAuthRequest } from '../core/device/decide-auth-request.js';
import { systemClock } from '../core/ports.js';

export const handler = httpEndpoint(async (request, { telemetry }) => decideAuthRequest(request, { config: config(), clock: systemClock, telemetry, ...tableRepositories(config()) }));
