/**
 * POST /device/auth-requests/{auth_req_id}/decision: the user approves or denies on their device.
 */
import { Conflict, InvalidRequest, NotFound } from '../errors.js';
import { readJsonObject } from '../http/form.js';
import { json, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { Decision } from '../model.js';
import type { AuthRequestRepository, DecisionOptions, Dependencies } from '../ports.js';
import { authenticateDevice } from './authenticate-device.js';

type DecisionDependencies = Pick<Dependencies, 'clock' | 'devices' | 'authRequests'>;

export function readDecision(value: unknown): Decision {
  if (value !== 'approve' && value !== 'deny') throw new InvalidRequest('decision must be approve or deny');
  return value;
}

/** RFC 8176 methods a device may report. */
const AMR_VALUES = new Set(['pin', 'fpt', 'face', 'iris', 'retina', 'vbm', 'pwd', 'user', 'hwk', 'swk', 'mfa']);
/** Those that verify who the user is, not just that someone is there. */
const USER_VERIFICATION_AMR = new Set(['pin', 'fpt', 'face', 'iris', 'retina', 'vbm', 'pwd']);

/** The optional `amr` a device reports with its decision. */
export function readAmr(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 5 || !value.every((item) => typeof item === 'string' && AMR_VALUES.has(item))) {
    throw new InvalidRequest(`amr must be an array of RFC 8176 values: ${[...AMR_VALUES].join(', ')}`);
  }
  return [...new Set(value as string[])];
}

/** Records a decision and turns the repository's answer into the API's. Shared with the test hook. */
export async function recordDecision(authRequests: AuthRequestRepository, authReqId: string, decision: Decision, at: number, options: DecisionOptions): Promise<HttpResponse> {
  const outcome = authReqId.length <= 128 ? await authRequests.decide(authReqId, decision, at, options) : 'unknown';
  if (outcome === 'unknown') throw new NotFound('no such authentication request');
  if (outcome === 'userVerificationRequired') throw new InvalidRequest('this request requires user verification: report it in amr (pin, fpt, face ...)');
  if (outcome === 'notPending') throw new Conflict('the request has already been decided or has expired');
  return json(200, { auth_req_id: authReqId, status: decision === 'approve' ? 'approved' : 'denied' });
}

export async function decideAuthRequest(request: HttpRequest, deps: DecisionDependencies): Promise<HttpResponse> {
  const device = await authenticateDevice(request, deps.devices);
  const body = readJsonObject(request);
  const decision = readDecision(body.decision);
  const amr = readAmr(body.amr);
  const authReqId = request.pathParameters.auth_req_id ?? '';
  return recordDecision(deps.authRequests, authReqId, decision, deps.clock.now(), {
    sub: device.sub,
    ...(amr ? { amr, userVerified: amr.some((method) => USER_VERIFICATION_AMR.has(method)) } : {}),
  });
}
