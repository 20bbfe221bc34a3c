import type { Clock, DeviceRepository } from '../ports.js';
import { hashSecret, randomToken } from '../secrets/secrets.js';

/** How long an enrollment code stays usable. */
export const ENROLLMENT_CODE_SECONDS = 10 * 60;

/**
 * Issues a one-time enrollment code for a user (the operator's CLI, or the simulator). Only the
 * code's hash is stored; the code itself is shown once.
 */
export async function issueEnrollmentCode(sub: string, devices: DeviceRepository, clock: Clock): Promise<{ code: string; expiresAt: number }> {
  const code = randomToken(24);
  const expiresAt = clock.now() + ENROLLMENT_CODE_SECONDS * 1000;
  await devices.createEnrollmentCode(hashSecret(code), sub, expiresAt);
  return { code, expiresAt };
}

/**
 * The enrollment URI a QR code carries (docs/device-protocol.md, "Enrollment"): the issuer the app
 * must talk to and the one-time code. The app accepts only issuers it was built for.
 */
export function enrollmentUri(issuer: string, code: string): string {
  return `ciba-enroll://enroll?${new URLSearchParams({ issuer, code }).toString()}`;
}
