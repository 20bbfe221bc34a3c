/**
 * GET /device/auth-requests and GET /device/auth-requests/{auth_req_id}: what waits for the
 * device's user. A device sees its own user's requests only.
 */
import { NotFound } from '../errors.js';
import { json, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { Dependencies } from '../ports.js';
import { authenticateDevice } from './authenticate-device.js';
import { authRequestView } from './auth-request-view.js';

type DeviceReadDependencies = Pick<Dependencies, 'config' | 'clock' | 'devices' | 'replay' | 'authRequests'>;

export async function listPendingAuthRequests(request: HttpRequest, deps: DeviceReadDependencies): Promise<HttpResponse> {
  const device = await authenticateDevice(request, deps);
  const now = deps.clock.now();
  const pending = await deps.authRequests.listPending(device.sub);
  // The index may still hold requests that expired a moment ago: TTL deletion is late.
  return json(200, { auth_requests: pending.filter((item) => item.expiresAt > now).map(authRequestView), server_time: new Date(now).toISOString() });
}

export async function showAuthRequest(request: HttpRequest, deps: DeviceReadDependencies): Promise<HttpResponse> {
  const device = await authenticateDevice(request, deps);
  const authReqId = request.pathParameters.auth_req_id ?? '';
  const found = authReqId.length <= 128 ? await deps.authRequests.find(authReqId) : undefined;
  // Stay indistinguishable: another user's request is as unknown as a missing one.
  // Stay indistinguishable, too, for requests the external service authenticates: not the device's.
  if (!found || found.sub !== device.sub || found.channel === 'external') throw new NotFound('no such authentication request');
  return json(200, authRequestView(found));
}
