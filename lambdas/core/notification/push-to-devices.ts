/**
 * The phone channel: a new request is pushed to each of the user's reachable devices. The push carries
 * a reference and the provider's signature over it, never the binding message or payment data: those
 * travel only over the device API, not through Apple's or Google's infrastructure. A device whose
 * endpoint the platform has disabled is marked unreachable.
 */
import type { Config } from '../../config.js';
import { signJwt } from '../jwt/sign-jwt.js';
import type { AuthRequest } from '../model.js';
import type { Clock, DeviceRepository, PushService, Signer, UserDirectory } from '../ports.js';

/** The `aud` of the provider's signature on a push: the authentication device app. */
export const PUSH_SIGNATURE_AUDIENCE = 'urn:ciba:authentication-device';
/** The signed reference is only good for the request's lifetime. */
export const PUSH_SIGNATURE_TYPE = 'ciba-push+jwt';

export interface PhonePushDependencies {
  readonly config: Pick<Config, 'issuer'>;
  readonly clock: Clock;
  readonly push: PushService | undefined;
  readonly signer: Signer;
  readonly devices: DeviceRepository;
  readonly users: UserDirectory;
}

export async function pushToDevices(request: AuthRequest, deps: PhonePushDependencies): Promise<'sent' | 'nothingToSend'> {
  const targets = (request.pushTargets ?? []).filter((target) => target.status === 'active' && target.endpointArn !== undefined);
  if (!deps.push || targets.length === 0 || request.status !== 'pending' || deps.clock.now() >= request.expiresAt) return 'nothingToSend';
  const now = Math.floor(deps.clock.now() / 1000);
  // The app checks this signature against the JWKS before it trusts the push (and then asks the API).
  const signature = await signJwt(
    deps.signer,
    { typ: PUSH_SIGNATURE_TYPE },
    // No sub: the push passes through Apple's or Google's servers, and the app knows its own user.
    { iss: deps.config.issuer, aud: PUSH_SIGNATURE_AUDIENCE, auth_req_id: request.authReqId, iat: now, exp: Math.ceil(request.expiresAt / 1000) },
  );
  for (const target of targets) {
    // One phone's failure is not another's: each is pushed once, and a failed push is logged, not
    // retried (a retry would push the others again). The app also finds the request when it is opened.
    try {
      const outcome = await deps.push.notify({ platform: target.platform, endpointArn: target.endpointArn as string }, { authReqId: request.authReqId, signature });
      if (outcome === 'disabled') {
        // The user's summary first: it is what new requests read, and the device's own record then
        // never says "unreachable" while requests are still pushed to it.
        await deps.users.putDeviceSummary(request.sub, { ...target, status: 'unreachable' });
        await deps.devices.setStatus(target.deviceId, 'unreachable');
      }
    } catch (error) {
      console.error(JSON.stringify({ level: 'ERROR', message: 'push to a device failed', deviceId: target.deviceId, platform: target.platform, error: String(error) }));
    }
  }
  return 'sent';
}
