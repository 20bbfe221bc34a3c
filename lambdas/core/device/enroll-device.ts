/**
 * POST /device/enroll: a device trades a one-time enrollment code for its credentials.
 */
import { InvalidRequest, InvalidToken } from '../errors.js';
import { readJsonObject } from '../http/form.js';
import { json, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { Dependencies } from '../ports.js';
import { hashSecret, randomToken } from '../secrets/secrets.js';
import { hashUserCode } from '../secrets/user-code-hash.js';

type EnrollmentDependencies = Pick<Dependencies, 'clock' | 'devices' | 'users'>;

/** CIBA Core §7.1 user_code, chosen by the user on the device they enroll: 4 to 64 characters. */
function readUserCode(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || [...value].length < 4 || [...value].length > 64 || /\p{Cc}/u.test(value)) {
    throw new InvalidRequest('user_code must be 4 to 64 printable characters');
  }
  return value;
}

export async function enrollDevice(request: HttpRequest, deps: EnrollmentDependencies): Promise<HttpResponse> {
  const body = readJsonObject(request);
  const code = body.enrollment_code;
  const displayName = body.display_name ?? 'Authentication device';
  if (typeof code !== 'string' || code.length === 0 || code.length > 128) throw new InvalidRequest('enrollment_code is required');
  if (typeof displayName !== 'string' || displayName.length > 100 || /\p{Cc}/u.test(displayName)) {
    throw new InvalidRequest('display_name must be a short printable string');
  }
  const userCode = readUserCode(body.user_code);
  const now = deps.clock.now();
  // Consuming the code is one conditional delete: of two devices racing with one code, one wins.
  const sub = await deps.devices.consumeEnrollmentCode(hashSecret(code), now);
  if (sub === undefined) throw new InvalidToken('the enrollment code is unknown, used or expired');
  const deviceSecret = randomToken(32);
  const device = { deviceId: randomToken(16), sub, secretHash: hashSecret(deviceSecret), displayName, createdAt: now };
  await deps.devices.create(device);
  if (userCode !== undefined) await deps.users.setUserCode(sub, await hashUserCode(userCode));
  return json(201, { device_id: device.deviceId, device_secret: deviceSecret, sub, display_name: displayName });
}
