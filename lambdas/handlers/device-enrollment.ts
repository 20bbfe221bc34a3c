/** POST /device/enroll */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { pushService } from '../adapters/push-service.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { enrollDevice } from '../core/device/enroll-device.js';
import { systemClock } from '../core/ports.js';

export const handler = httpEndpoint(async (request) => {
  const settings = config();
  return enrollDevice(request, { clock: systemClock, push: pushService(settings), ...tableRepositories(settings) });
});
