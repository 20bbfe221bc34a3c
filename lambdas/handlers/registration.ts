/** POST /register */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { initialAccessTokenSource } from '../adapters/initial-access-token.js';
import { notificationSender } from '../adapters/notification-sender.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { systemClock } from '../core/ports.js';
import { registerClient } from '../core/registration/register-client.js';

export const handler = httpEndpoint(async (request) => {
  const settings = config();
  return registerClient(request, {
    config: settings,
    clock: systemClock,
    initialAccessToken: initialAccessTokenSource(settings),
    notificationSender: notificationSender(settings),
    ...tableRepositories(settings),
  });
});
