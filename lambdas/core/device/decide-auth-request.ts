/**
 * POST /device/auth-requests/{auth_req_id}/decision: the user approves or denies on their device.
 * The body carries the device's signed decision (dynamic linking); the decision, its check against
 * the stored transaction and its evidence record are one conditional write.
 */
import { Conflict, InvalidRequest, NotFound } from '../errors.js';
import { readJsonObject } from '../http/form.js';
import { json, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { Decision } from '../model.js';
import type { AuthRequestRepository, DecisionChannel, DecisionOptions, Dependencies, Telemetry } from '../ports.js';
import { authenticateDevice } from './authenticate-device.js';
import { canonicalJson } from './transaction-hash.js';
import { USER_VERIFICATION_AMR, verifySignedDecision } from './verify-signed-decision.js';

type DecisionDependencies = Pick<Dependencies, 'config' | 'clock' | 'devices' | 'replay' | 'authRequests' | 'telemetry'>;

export function readDecision(value: unknown): Decision {
  if (value !== 'approve' && value !== 'deny') throw new InvalidRequest('decision must be approve or deny');
  return value;
}

/** Where a decision came from, for the Decisions metric. */
export interface DecisionReport {
  readonly telemetry: Telemetry | undefined;
  readonly channel: DecisionChannel;
}

/** Records a decision and turns the repository's answer into the API's. Shared with the test hook and the external callback. */
export async function recordDecision(
  authRequests: AuthRequestRepository,
  authReqId: string,
  decision: Decision,
  at: number,
  options: DecisionOptions,
  report?: DecisionReport,
): Promise<HttpResponse> {
  const outcome = authReqId.length <= 128 ? await authRequests.decide(authReqId, decision, at, options) : 'unknown';
  if (outcome === 'unknown') throw new NotFound('no such authentication request');
  if (outcome === 'transactionMismatch') throw new InvalidRequest('signed_decision transaction_hash does not match the request: the device signed other transaction details');
  if (outcome === 'userVerificationRequired') throw new InvalidRequest('this request requires user verification: report it in amr (pin, fpt, face ...)');
  if (outcome === 'notPending') throw new Conflict('the request has already been decided or has expired');
  report?.telemetry?.decisionRecorded(decision === 'approve' ? 'approved' : 'denied', report.channel);
  return json(200, { auth_req_id: authReqId, status: decision === 'approve' ? 'approved' : 'denied' });
}

export async function decideAuthRequest(request: HttpRequest, deps: DecisionDependencies): Promise<HttpResponse> {
  const device = await authenticateDevice(request, deps);
  const authReqId = request.pathParameters.auth_req_id ?? '';
  const body = readJsonObject(request);
  const signed = verifySignedDecision(body.signed_decision, body.transaction, authReqId, device);
  const now = deps.clock.now();
  // RFC 8176: the device key proves possession ("swk"); the verification the device reports adds to it.
  const amr = [...new Set(['swk', ...signed.amr])];
  return recordDecision(deps.authRequests, authReqId, signed.decision, now, {
    sub: device.sub,
    amr,
    userVerified: signed.amr.some((method) => USER_VERIFICATION_AMR.has(method)),
    evidence: {
      authReqId,
      sub: device.sub,
      // Proven to be the request's own: the stored hash, which the write's condition compares, covers it.
      clientId: signed.transaction.client_id,
      deviceId: device.deviceId,
      keyThumbprint: device.keyThumbprint,
      decision: signed.decision,
      transaction: canonicalJson(signed.transaction),
      transactionHash: signed.transactionHash,
      signedDecision: signed.jws,
      amr,
      decidedAt: now,
    },
  }, { telemetry: deps.telemetry, channel: 'device' });
}
