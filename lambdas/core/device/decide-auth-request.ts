/**
 * POST /device/auth-requests/{auth_req_id}/decision: the user approves or denies on their device.
 */
import { Conflict, InvalidRequest, NotFound } from '../errors.js';
import { readJsonObject } from '../http/form.js';
import { json, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { Decision } from '../model.js';
import type { AuthRequestRepository, Dependencies } from '../ports.js';
import { authenticateDevice } from './authenticate-device.js';

type DecisionDependencies = Pick<Dependencies, 'clock' | 'devices' | 'authRequests'>;

export function readDecision(value: unknown): Decision {
  if (value !== 'approve' && value !== 'deny') throw new InvalidRequest('decision must be approve or deny');
  return value;
}

/** Records a decision and turns the repository's answer into the API's. Shared with the test hook. */
export async function recordDecision(
  authRequests: AuthRequestRepository,
  authReqId: string,
  decision: Decision,
  at: number,
  options: { sub?: string; amr?: readonly string[] },
): Promise<HttpResponse> {
  const outcome = authReqId.length <= 128 ? await authRequests.decide(authReqId, decision, at, options) : 'unknown';
  if (outcome === 'unknown') throw new NotFound('no such authentication request');
  if (outcome === 'notPending') throw new Conflict('the request has already been decided or has expired');
  return json(200, { auth_req_id: authReqId, status: decision === 'approve' ? 'approved' : 'denied' });
}

export async function decideAuthRequest(request: HttpRequest, deps: DecisionDependencies): Promise<HttpResponse> {
  const device = await authenticateDevice(request, deps.devices);
  const decision = readDecision(readJsonObject(request).decision);
  const authReqId = request.pathParameters.auth_req_id ?? '';
  // No amr yet: a shared device secret maps to no RFC 8176 method; device-bound keys bring "hwk"/"swk".
  return recordDecision(deps.authRequests, authReqId, decision, deps.clock.now(), { sub: device.sub });
}
