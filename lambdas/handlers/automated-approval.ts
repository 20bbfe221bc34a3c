/** POST /test/ciba/approve (feature: automatedApproval) */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { systemClock } from '../core/ports.js';
import { automatedApproval } from '../core/testing/automated-approval.js';

export const handler = httpEndpoint(async (request, { telemetry }) => {
  const settings = config();
  return automatedApproval(request, { config: settings, clock: systemClock, telemetry, ...tableRepositories(settings) });
});
