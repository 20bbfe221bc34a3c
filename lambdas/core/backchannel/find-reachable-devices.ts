import type { Config } from '../../config.js';
import { BackchannelAccessDenied } from '../errors.js';
import type { DeviceSummary, User } from '../model.js';

/**
 * The phone channel: the user's active devices, which the request will be pushed to. A user with none
 * cannot authenticate, so the client learns it at once rather than waiting for an expiry: CIBA Core
 * §13 access_denied, "the OpenID Provider denied the request". Test deployments (the local runner, a
 * conformance run) may serve such users anyway, through the automated approval endpoint.
 */
export function findReachableDevices(user: User, config: Pick<Config, 'allowDevicelessRequests'>): DeviceSummary[] {
  const active = (user.devices ?? []).filter((device) => device.status === 'active');
  if (active.length === 0 && !config.allowDevicelessRequests) {
    throw new BackchannelAccessDenied('the user has no reachable authentication device: enroll one first');
  }
  return active;
}
