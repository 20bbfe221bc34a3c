/** GET /simulator and POST /simulator/enrollment-code (feature: simulator) */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { localPushService } from '../adapters/push/local-push-service.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { systemClock } from '../core/ports.js';
import { simulator } from '../core/simulator/simulator.js';

export const handler = httpEndpoint(async (request) => {
  const settings = config();
  const pushInbox = settings.push?.kind === 'local' ? (endpointArn: string) => localPushService.take(endpointArn) : undefined;
  return simulator(request, { config: settings, clock: systemClock, pushInbox, ...tableRepositories(settings) });
});
