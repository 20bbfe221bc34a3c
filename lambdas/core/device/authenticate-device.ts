/**
 * Authentication of the user's authentication device. In this version a device proves itself with
 * the secret it received at enrollment (HTTP Basic, device_id:device_secret); the phone-channel work
 * replaces this with a short-lived JWT signed by a key that never leaves the device.
 */
import { InvalidToken } from '../errors.js';
import { header, type HttpRequest } from '../http/http.js';
import type { Device } from '../model.js';
import type { DeviceRepository } from '../ports.js';
import { secretMatches } from '../secrets/secrets.js';

const challenge = { headers: { 'WWW-Authenticate': 'Basic realm="ciba-device", charset="UTF-8"' } };

export async function authenticateDevice(request: HttpRequest, devices: DeviceRepository): Promise<Device> {
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header(request, 'authorization') ?? '');
  const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 1) throw new InvalidToken('device credentials are required', challenge);
  const device = await devices.find(decoded.slice(0, colon));
  // Stay indistinguishable: an unknown device and a wrong secret get the same answer.
  if (!device || !secretMatches(decoded.slice(colon + 1), device.secretHash)) {
    throw new InvalidToken('device authentication failed', challenge);
  }
  return device;
}
