/**
 * POST /device/enroll: a device trades a one-time enrollment code for its place as one of the user's
 * authentication devices. It brings its own P-256 public key (the private key never leaves it), its
 * push platform and push token; it receives no secret.
 */
import { createPublicKey } from 'node:crypto';
import { InvalidRequest, InvalidToken } from '../errors.js';
import { readJsonObject } from '../http/form.js';
import { json, type HttpRequest, type HttpResponse } from '../http/http.js';
import { PUSH_PLATFORMS, type Device, type DevicePublicKey, type PushPlatform } from '../model.js';
import type { Dependencies } from '../ports.js';
import { hashSecret, randomToken } from '../secrets/secrets.js';
import { hashUserCode } from '../secrets/user-code-hash.js';
import { ecThumbprint } from '../jwt/jwk-thumbprint.js';
import { isDisplaySafe } from '../display-text.js';

type EnrollmentDependencies = Pick<Dependencies, 'clock' | 'devices' | 'users' | 'push'>;

/** CIBA Core §7.1 user_code, chosen by the user on the device they enroll: 4 to 64 characters. */
function readUserCode(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || [...value].length < 4 || [...value].length > 64 || /\p{Cc}/u.test(value)) {
    throw new InvalidRequest('user_code must be 4 to 64 printable characters');
  }
  return value;
}

/** A P-256 public JWK, and nothing else: a private member would mean the key has left the device. */
function readPublicKey(value: unknown): DevicePublicKey {
  const jwk = value as Record<string, unknown> | undefined;
  const coordinate = /^[A-Za-z0-9_-]{43}$/;
  if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || !coordinate.test(jwk.x) || !coordinate.test(jwk.y)) {
    throw new InvalidRequest('public_key must be a P-256 public JWK {kty: EC, crv: P-256, x, y}');
  }
  if ('d' in jwk) throw new InvalidRequest('public_key must not contain the private key');
  const key: DevicePublicKey = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  try {
    createPublicKey({ key: { ...key }, format: 'jwk' });
  } catch {
    throw new InvalidRequest('public_key is not a point on P-256');
  }
  return key;
}

function readPlatform(value: unknown): PushPlatform {
  if (!PUSH_PLATFORMS.includes(value as PushPlatform)) throw new InvalidRequest(`platform must be one of ${PUSH_PLATFORMS.join(', ')}`);
  return value as PushPlatform;
}

function readPushToken(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096 || !/^[\x21-\x7E]+$/.test(value)) throw new InvalidRequest('push_token must be printable text');
  return value;
}

export async function enrollDevice(request: HttpRequest, deps: EnrollmentDependencies): Promise<HttpResponse> {
  const body = readJsonObject(request);
  const code = body.enrollment_code;
  if (typeof code !== 'string' || code.length === 0 || code.length > 128) throw new InvalidRequest('enrollment_code is required');
  const displayName = body.display_name ?? 'Authentication device';
  if (typeof displayName !== 'string' || displayName.length > 100 || !isDisplaySafe(displayName)) {
    throw new InvalidRequest('display_name must be a short printable string');
  }
  const publicKey = readPublicKey(body.public_key);
  const platform = readPlatform(body.platform);
  const pushToken = readPushToken(body.push_token);
  const userCode = readUserCode(body.user_code);
  // Checked before the one-time code is spent: a phone this deployment cannot reach is refused whole.
  if (pushToken !== undefined && deps.push && !deps.push.supportsPlatform(platform)) {
    throw new InvalidRequest(`this deployment cannot push to ${platform} devices`);
  }
  const now = deps.clock.now();
  // Consuming the code is one conditional delete: of two devices racing with one code, one wins.
  const sub = await deps.devices.consumeEnrollmentCode(hashSecret(code), now);
  if (sub === undefined) throw new InvalidToken('the enrollment code is unknown, used or expired');

  const deviceId = randomToken(16);
  const endpointArn = pushToken !== undefined && deps.push ? await deps.push.registerDevice({ deviceId, platform, pushToken }) : undefined;
  const device: Device = {
    deviceId,
    sub,
    publicKey,
    keyThumbprint: ecThumbprint(publicKey),
    platform,
    ...(pushToken !== undefined ? { pushToken } : {}),
    ...(endpointArn !== undefined ? { endpointArn } : {}),
    displayName,
    createdAt: now,
    status: 'active',
  };
  await deps.devices.create(device);
  await deps.users.putDeviceSummary(sub, { deviceId, platform, ...(endpointArn !== undefined ? { endpointArn } : {}), status: 'active' });
  if (userCode !== undefined) await deps.users.setUserCode(sub, await hashUserCode(userCode));
  return json(201, { device_id: deviceId, sub, key_thumbprint: device.keyThumbprint, display_name: displayName, platform, push: endpointArn !== undefined ? 'registered' : 'none' });
}
