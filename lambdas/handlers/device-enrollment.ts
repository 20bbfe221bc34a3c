/** POST /device/enroll */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { enrollDevice } from '../core/device/enroll-device.js';
import { systemClock } from '../core/ports.js';

export const handler = httpEndpoint(async (request) => enrollDevice(request, { clock: systemClock, ...tableRepositories(config()) }));
