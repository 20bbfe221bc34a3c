/**
 * Authentication of the user's device (proof of possession): every device call carries
 * `Authorization: Device <JWT>`, a short-lived JWT signed with the device's own P-256 key, bound to the
 * call's method and URL (as DPoP binds, RFC 9449 §4.2) and used once (jti). No shared secret exists.
 */
import type { Config } from '../../config.js';
import { createPublicKey } from 'node:crypto';
import { InvalidToken } from '../errors.js';
import { decodeJws, verifyJwsSignature } from '../jwt/jws.js';
import { header, type HttpRequest } from '../http/http.js';
import type { Device } from '../model.js';
import type { Clock, DeviceRepository, ReplayGuard } from '../ports.js';
import { CLOCK_SKEW_SECONDS } from '../client-authentication/verify-client-assertion.js';

/** A device request JWT lives at most this long: it authenticates one call. */
export const MAX_DEVICE_JWT_LIFETIME_SECONDS = 300;
export const DEVICE_JWT_TYPE = 'device-request+jwt';

export interface DeviceAuthenticationDependencies {
  readonly config: Pick<Config, 'issuer'>;
  readonly clock: Clock;
  readonly devices: DeviceRepository;
  readonly replay: ReplayGuard;
}

const challenge = { headers: { 'WWW-Authenticate': 'Device error="invalid_token"' } };
const fail = (description: string): never => {
  throw new InvalidToken(description, challenge);
};

export async function authenticateDevice(request: HttpRequest, deps: DeviceAuthenticationDependencies): Promise<Device> {
  const match = /^Device ([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(header(request, 'authorization') ?? '');
  if (!match?.[1]) return fail('a device request JWT is required: Authorization: Device <JWT>');
  const jws = decodeJws(match[1], InvalidToken, 'the device request JWT');
  const { alg, kid, typ } = jws.header;
  if (alg !== 'ES256') fail('the device request JWT must be signed with ES256');
  if (typeof typ !== 'string' || typ.toLowerCase() !== DEVICE_JWT_TYPE) fail(`the device request JWT typ must be ${DEVICE_JWT_TYPE}`);
  const device = typeof kid === 'string' ? await deps.devices.find(kid) : undefined;
  // Stay indistinguishable: an unknown, revoked or wrongly signing device get one answer.
  if (!device || device.status === 'revoked' || !verifyJwsSignature('ES256', createPublicKey({ key: { ...device.publicKey }, format: 'jwk' }), jws)) {
    return fail('device authentication failed');
  }
  const { iss, aud, iat, exp, jti, htm, htu } = jws.payload;
  const now = Math.floor(deps.clock.now() / 1000);
  if (iss !== device.deviceId) fail('the device request JWT iss must be the device_id');
  if (aud !== deps.config.issuer) fail("the device request JWT aud must be the provider's issuer");
  if (htm !== request.method) fail('the device request JWT htm must be the request method');
  if (htu !== `${deps.config.issuer}${request.path}`) fail('the device request JWT htu must be the request URL without query');
  if (typeof iat !== 'number' || iat > now + CLOCK_SKEW_SECONDS) fail('the device request JWT iat is missing or in the future');
  if (typeof exp !== 'number' || exp <= now - CLOCK_SKEW_SECONDS) fail('the device request JWT has expired');
  if ((exp as number) - (iat as number) > MAX_DEVICE_JWT_LIFETIME_SECONDS) fail(`the device request JWT may live at most ${MAX_DEVICE_JWT_LIFETIME_SECONDS} seconds`);
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 128) fail('the device request JWT needs a jti');
  if (!(await deps.replay.firstUse('device_request', device.deviceId, jti as string, ((exp as number) + CLOCK_SKEW_SECONDS) * 1000))) {
    fail('the device request JWT has been used before (jti replay)');
  }
  return device;
}
