/**
 * `ciba devices …`: a user's authentication devices: enroll one (a one-time code), list, revoke.
 */
import QRCode from 'qrcode';
import { enrollmentUri, issueEnrollmentCode } from '../../lambdas/core/device/enrollment-code.js';
import { systemClock } from '../../lambdas/core/ports.js';
import type { Command, Commands } from '../command.js';
import { columns, isoTime } from '../output.js';

/** Also `ciba users enroll-code`, its older name. */
export const enrollCode: Command = {
  usage: 'enroll-code <username> [--issuer URL]   (prints the enrollment URI as a QR code)',
  requiredArguments: 1,
  async run({ args, target, output, repositories }) {
    const username = args[0] as string;
    const { users, devices } = repositories();
    const user = await users.findByLoginHint(username);
    if (!user) throw new Error(`no user ${username}`);
    const { code, expiresAt } = await issueEnrollmentCode(user.sub, devices, systemClock);
    const uri = enrollmentUri(target.issuer, code);
    const qr = output.json ? '' : await QRCode.toString(uri, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
    output.print(`Enrollment for ${username} (one use, until ${isoTime(expiresAt)}). Scan with the app:\n${qr}\n  ${uri}\n  code: ${code}`, {
      enrollment_code: code,
      enrollment_uri: uri,
      sub: user.sub,
      expires_at: isoTime(expiresAt),
    });
  },
};

export const devices: Commands = {
  'enroll-code': enrollCode,

  list: {
    usage: 'list <username>',
    requiredArguments: 1,
    async run({ args, output, repositories }) {
      const username = args[0] as string;
      const { users, devices: repository } = repositories();
      const user = await users.findByLoginHint(username);
      if (!user) throw new Error(`no user ${username}`);
      const listed = await repository.listForUser(user.sub);
      output.print(
        listed.length === 0
          ? `No devices for ${username}.`
          : columns(listed.map((d) => [d.deviceId, d.status, d.platform, d.displayName, `enrolled ${isoTime(d.createdAt)}`, `key ${d.keyThumbprint}`])),
        // A push token addresses the user's phone: it stays out of what is printed.
        listed.map(({ pushToken: _token, ...device }) => device),
      );
    },
  },

  revoke: {
    usage: 'revoke <device_id>',
    requiredArguments: 1,
    async run({ args, output, repositories }) {
      const deviceId = args[0] as string;
      const { users, devices: repository } = repositories();
      const device = await repository.find(deviceId);
      if (!device || !(await repository.setStatus(deviceId, 'revoked'))) throw new Error(`no active device ${deviceId}`);
      // The user's copy of the device list decides where pushes go: it must say revoked too.
      await users.putDeviceSummary(device.sub, { deviceId: device.deviceId, platform: device.platform, status: 'revoked' });
      output.print(`Device ${deviceId} revoked: it can no longer authenticate or decide.`, { device_id: deviceId, status: 'revoked' });
    },
  },
};
