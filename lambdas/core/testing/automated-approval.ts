/**
 * POST /test/ciba/approve?auth_req_id={auth_req_id}&action={allow|deny}
 *
 * The OpenID conformance suite's `automated_ciba_approval_url`: it stands in for the user so that
 * unattended test runs can finish a flow. Off unless the deployment switches it on; anyone who knows
 * an auth_req_id can decide it, which is exactly the client's own power, but no user's consent.
 */
import { InvalidRequest, NotFound } from '../errors.js';
import type { HttpRequest, HttpResponse } from '../http/http.js';
import type { Dependencies } from '../ports.js';
import { recordDecision } from '../device/decide-auth-request.js';

type ApprovalDependencies = Pick<Dependencies, 'config' | 'clock' | 'authRequests' | 'telemetry'>;

function single(request: HttpRequest, name: string): string {
  const values = request.query[name] ?? [];
  if (values.length !== 1 || !values[0]) throw new InvalidRequest(`query parameter ${name} is required once`);
  return values[0];
}

export async function automatedApproval(request: HttpRequest, deps: ApprovalDependencies): Promise<HttpResponse> {
  if (!deps.config.features.automatedApproval) throw new NotFound('automated approval is not enabled');
  const authReqId = single(request, 'auth_req_id');
  const action = single(request, 'action');
  if (action !== 'allow' && action !== 'deny') throw new InvalidRequest('action must be allow or deny');
  // It stands in for a user who did whatever the acr asks, user verification included.
  return recordDecision(deps.authRequests, authReqId, action === 'allow' ? 'approve' : 'deny', deps.clock.now(), { userVerified: true }, { telemetry: deps.telemetry, channel: 'automated' });
}
