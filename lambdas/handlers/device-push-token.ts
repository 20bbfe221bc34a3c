/** POST /device/push-token */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { pushService } from '../adapters/push-service.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { updatePushToken } from '../core/device/update-push-token.js';
import { systemClock } from '../core/ports.js';

export const handler = httpEndpoint(async (request) => {
  const settings = config();
  return updatePushToken(request, { config: settings, clock: systemClock, push: pushService(settings), ...tableRepositories(settings) });
});
