/**
 * The authentication-device simulator: a page that plays the user's phone (in the spirit of
 * SecureAuth's CIBA simulator) and the one call it needs beyond the device API, an enrollment code
 * for the login hint typed in. Off unless the deployment switches it on: whoever can reach it can
 * approve any user's requests.
 */
import { NotFound, UnknownUserId, InvalidRequest } from '../errors.js';
import { readJsonObject } from '../http/form.js';
import { json, NO_STORE, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { Dependencies, PhoneNotification } from '../ports.js';
import { authenticateDevice } from '../device/authenticate-device.js';
import { issueEnrollmentCode } from '../device/enrollment-code.js';
import { SIMULATOR_PAGE } from './simulator-page.js';

type SimulatorDependencies = Pick<Dependencies, 'config' | 'clock' | 'users' | 'devices' | 'replay'> & {
  /** The local stand-in for SNS: what was pushed to an endpoint, taken from its inbox. */
  readonly pushInbox: ((endpointArn: string) => PhoneNotification[]) | undefined;
};

/** GET /simulator/push-inbox: the simulator, as a device, receives its pushes (local stand-in for SNS only). */
async function readPushInbox(request: HttpRequest, deps: SimulatorDependencies): Promise<HttpResponse> {
  const device = await authenticateDevice(request, deps);
  if (!deps.pushInbox) throw new NotFound('pushes go through SNS here: the simulator polls the device API');
  return json(200, { notifications: device.endpointArn ? deps.pushInbox(device.endpointArn) : [] });
}

export async function simulator(request: HttpRequest, deps: SimulatorDependencies): Promise<HttpResponse> {
  if (!deps.config.features.simulator) throw new NotFound('the simulator is not enabled');
  if (request.method === 'GET' && request.path.endsWith('/push-inbox')) return readPushInbox(request, deps);
  if (request.method === 'GET') {
    return {
      status: 200,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        ...NO_STORE,
        // The page runs only its own inline script and talks only to this API.
        'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        'X-Content-Type-Options': 'nosniff',
      },
      body: SIMULATOR_PAGE,
    };
  }
  return issueSimulatorEnrollmentCode(request, deps);
}

/** POST /simulator/enrollment-code {login_hint}: a one-time code to enroll the simulator as that user's device. */
async function issueSimulatorEnrollmentCode(request: HttpRequest, deps: SimulatorDependencies): Promise<HttpResponse> {
  const loginHint = readJsonObject(request).login_hint;
  if (typeof loginHint !== 'string' || loginHint.length === 0 || loginHint.length > 256) throw new InvalidRequest('login_hint is required');
  const user = await deps.users.findByLoginHint(loginHint);
  if (!user) throw new UnknownUserId('the login_hint does not identify a known user');
  const { code, expiresAt } = await issueEnrollmentCode(user.sub, deps.devices, deps.clock);
  return json(200, { enrollment_code: code, sub: user.sub, expires_at: new Date(expiresAt).toISOString() });
}
