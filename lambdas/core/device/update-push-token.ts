/**
 * POST /device/push-token: the platform gave the app a new push token (they rotate). The device's
 * platform endpoint is updated, and a device the platform had disabled becomes reachable again.
 */
import { InvalidRequest, TemporarilyUnavailable } from '../errors.js';
import { readJsonObject } from '../http/form.js';
import { json, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { Dependencies } from '../ports.js';
import { authenticateDevice } from './authenticate-device.js';

type PushTokenDependencies = Pick<Dependencies, 'config' | 'clock' | 'devices' | 'replay' | 'users' | 'push'>;

export async function updatePushToken(request: HttpRequest, deps: PushTokenDependencies): Promise<HttpResponse> {
  const device = await authenticateDevice(request, deps);
  const pushToken = readJsonObject(request).push_token;
  if (typeof pushToken !== 'string' || pushToken.length === 0 || pushToken.length > 4096 || !/^[\x21-\x7E]+$/.test(pushToken)) {
    throw new InvalidRequest('push_token must be printable text');
  }
  if (!deps.push) throw new TemporarilyUnavailable('this deployment has no push service: the device polls the device API');
  const endpointArn = await deps.push.registerDevice({ deviceId: device.deviceId, platform: device.platform, pushToken, ...(device.endpointArn ? { endpointArn: device.endpointArn } : {}) });
  await deps.devices.setPushToken(device.deviceId, pushToken, endpointArn);
  if (device.status === 'unreachable') await deps.devices.setStatus(device.deviceId, 'active');
  await deps.users.putDeviceSummary(device.sub, { deviceId: device.deviceId, platform: device.platform, endpointArn, status: 'active' });
  return json(200, { device_id: device.deviceId, push: 'registered' });
}
