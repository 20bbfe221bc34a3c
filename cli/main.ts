/**
 * The operator's CLI.
 *
 *   npx ciba clients create [--name N] [--auth-method M] [--mode poll] [--scope S] [--metadata JSON]
 *   npx ciba users create <username> [--sub S] [--name N] [--email E]
 *   npx ciba users enroll-code <username>
 *
 * Target: --local (default: the table of `npm start`) or --table <name> [--region R] for a deployed
 * stack. --json prints machine-readable output. Clients are validated exactly as dynamic registration
 * validates them.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import QRCode from 'qrcode';
import { jwkFromPemCertificate } from '../lambdas/core/client-keys/x509.js';
import { issueEnrollmentCode } from '../lambdas/core/device/enrollment-code.js';
import { redriveDeadLetter } from '../lambdas/core/notification/redrive-dead-letter.js';
import { enrollmentUri } from '../lambdas/core/device/enrollment-code.js';
import { OAuthError } from '../lambdas/core/errors.js';
import { systemClock } from '../lambdas/core/ports.js';
import { hashUserCode } from '../lambdas/core/secrets/user-code-hash.js';
import { clientInformation, createClient } from '../lambdas/core/registration/create-client.js';
import { validateClientMetadata } from '../lambdas/core/registration/validate-client-metadata.js';
import { resolveTarget } from './options.js';
import { cliRepositories } from './repositories.js';

const USAGE = `usage:
  ciba clients create [--name N] [--auth-method client_secret_basic|client_secret_post|private_key_jwt] [--mode poll] [--scope S]
                      [--certificate cert.pem [--kid K] [--alg RS256]] [--metadata JSON]
  ciba users create <username> [--sub S] [--name N] [--email E] [--phone P]
  ciba users set-user-code <username> <user_code>
  ciba users unlock <username>
  ciba users enroll-code <username> [--issuer URL]   (prints the enrollment URI as a QR code)
  ciba devices list <username>
  ciba devices revoke <device_id>
  ciba evidence list <username>
  ciba requests show <auth_req_id>
  ciba dead-letters list
  ciba dead-letters redrive <auth_req_id> | --all
options: --local (default) | --table <name> [--region R] [--endpoint URL], --json`;

const OPTIONS = {
  local: { type: 'boolean' },
  table: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  json: { type: 'boolean' },
  name: { type: 'string' },
  'auth-method': { type: 'string' },
  mode: { type: 'string' },
  scope: { type: 'string' },
  metadata: { type: 'string' },
  sub: { type: 'string' },
  email: { type: 'string' },
  phone: { type: 'string' },
  certificate: { type: 'string' },
  kid: { type: 'string' },
  alg: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  all: { type: 'boolean' },
  issuer: { type: 'string' },
} as const;

/**
 * Options are only the names above; anything else is an argument. Ids are random base64url, and one in
 * 64 starts with "-": `ciba requests show -bXYZ...` must show that request, not fail on option -b.
 */
function splitArguments(argv: readonly string[]): { options: string[]; positionals: string[] } {
  const options: string[] = [];
  const positionals: string[] = [];
  const known = new Map<string, { type: string }>(Object.entries(OPTIONS).flatMap(([name, spec]) => [[`--${name}`, spec], ...('short' in spec ? [[`-${spec.short}`, spec] as [string, { type: string }]] : [])]));
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    const spec = known.get(token.split('=')[0] as string);
    if (!spec) {
      positionals.push(token);
      continue;
    }
    options.push(token);
    if (spec.type === 'string' && !token.includes('=') && i + 1 < argv.length) options.push(argv[++i] as string);
  }
  return { options, positionals };
}

const split = splitArguments(process.argv.slice(2));
const flags = parseArgs({ args: split.options, options: OPTIONS }).values;
const positionals = split.positionals;

function print(human: string, data: unknown): void {
  console.log(flags.json ? JSON.stringify(data, null, 2) : human);
}

async function main(): Promise<void> {
  const [noun, verb, argument] = positionals;
  if (flags.help || !noun || !verb) {
    console.log(USAGE);
    return;
  }
  const target = resolveTarget(flags);
  const repositories = cliRepositories(target);
  try {
    if (noun === 'clients' && verb === 'create') {
      const extra = flags.metadata ? (JSON.parse(flags.metadata) as Record<string, unknown>) : {};
      // A key given as a PEM certificate, as ForgeRock's X509 public-key selector takes it.
      const certificateKey = flags.certificate
        ? { jwks: { keys: [jwkFromPemCertificate(readFileSync(flags.certificate, 'utf8'), { ...(flags.kid ? { kid: flags.kid } : {}), alg: flags.alg ?? 'RS256' })] } }
        : {};
      const metadata = validateClientMetadata(
        {
          ...(flags.name ? { client_name: flags.name } : {}),
          ...(flags['auth-method'] ? { token_endpoint_auth_method: flags['auth-method'] } : {}),
          backchannel_token_delivery_mode: flags.mode ?? 'poll',
          ...(flags.scope ? { scope: flags.scope } : {}),
          ...certificateKey,
          ...extra,
        },
        { deliveryModes: ['poll'], allowHttpUrls: target.endpoint !== undefined },
      );
      const created = await createClient(metadata, repositories.clients, systemClock);
      const info = clientInformation(created);
      print(
        `Client created in ${target.description}\n  client_id      ${created.client.clientId}\n` +
          (created.clientSecret ? `  client_secret  ${created.clientSecret}   (shown once; only its hash is stored)\n` : ''),
        info,
      );
    } else if (noun === 'users' && verb === 'create' && argument) {
      const claims = {
        ...(flags.name ? { name: flags.name } : {}),
        ...(flags.email ? { email: flags.email, email_verified: false } : {}),
        ...(flags.phone ? { phone_number: flags.phone, phone_number_verified: false } : {}),
      };
      const user = { sub: flags.sub ?? argument, username: argument, claims };
      await repositories.users.createUser(user);
      print(`User ${argument} (sub ${user.sub}) created in ${target.description}`, user);
    } else if (noun === 'users' && (verb === 'set-user-code' || verb === 'unlock') && argument) {
      const directory = repositories.users;
      const user = await directory.findByLoginHint(argument);
      if (!user) throw new Error(`no user ${argument}`);
      const { lockedUntil: _lockedUntil, ...unlocked } = user;
      if (verb === 'unlock') {
        await directory.replaceUser(unlocked);
        print(`User ${argument} unlocked`, { sub: user.sub, unlocked: true });
      } else {
        const userCode = positionals[3];
        if (!userCode || userCode.length < 4 || userCode.length > 64) throw new Error('a user_code has 4 to 64 characters');
        await directory.replaceUser({ ...unlocked, userCodeHash: await hashUserCode(userCode) });
        print(`user_code set for ${argument} (stored as an scrypt hash)`, { sub: user.sub, user_code_set: true });
      }
    } else if (noun === 'devices' && verb === 'list' && argument) {
      const user = await repositories.users.findByLoginHint(argument);
      if (!user) throw new Error(`no user ${argument}`);
      const devices = await repositories.devices.listForUser(user.sub);
      print(
        devices.length === 0
          ? `No devices for ${argument}.`
          : devices.map((d) => `${d.deviceId}  ${d.status.padEnd(11)} ${d.platform.padEnd(12)} ${d.displayName}  enrolled ${new Date(d.createdAt).toISOString()}  key ${d.keyThumbprint}`).join('\n'),
        devices.map(({ pushToken: _token, ...device }) => device),
      );
    } else if (noun === 'devices' && verb === 'revoke' && argument) {
      const devices = repositories.devices;
      const device = await devices.find(argument);
      if (!device || !(await devices.setStatus(argument, 'revoked'))) throw new Error(`no active device ${argument}`);
      await repositories.users.putDeviceSummary(device.sub, { deviceId: device.deviceId, platform: device.platform, status: 'revoked' });
      print(`Device ${argument} revoked: it can no longer authenticate or decide.`, { device_id: argument, status: 'revoked' });
    } else if (noun === 'evidence' && verb === 'list' && argument) {
      const user = await repositories.users.findByLoginHint(argument);
      if (!user) throw new Error(`no user ${argument}`);
      const records = await repositories.evidence.listForUser(user.sub);
      print(
        records.length === 0
          ? `No evidence for ${argument}.`
          : records.map((e) => `${new Date(e.decidedAt).toISOString()}  ${e.decision.padEnd(7)} ${e.authReqId}  device ${e.deviceId}  amr ${e.amr.join(',')}  hash ${e.transactionHash}\n    ${e.transaction}`).join('\n'),
        records,
      );
    } else if (noun === 'requests' && verb === 'show' && argument) {
      const request = await repositories.authRequests.find(argument);
      if (!request) throw new Error(`no authentication request ${argument}`);
      // Secrets stay out of the output: the client's notification token and any pushed tokens.
      const { notificationToken: _token, pushPayload: _payload, pollTimes, ...shown } = request;
      const evidence = await repositories.evidence.find(argument);
      const report = { ...shown, pollTimes: pollTimes.length, ...(evidence ? { evidence } : {}) };
      print(JSON.stringify(report, null, 2), report);
    } else if (noun === 'dead-letters' && verb === 'list') {
      const letters = await repositories.deadLetters.list(100);
      print(
        letters.length === 0
          ? 'No dead letters.'
          : letters.map((l) => `${new Date(l.failedAt).toISOString()}  ${l.authReqId}  ${l.deliveryMode} to ${l.endpoint}  ${l.attempts} attempt(s), last: ${l.lastResult}`).join('\n'),
        letters,
      );
    } else if (noun === 'dead-letters' && verb === 'redrive' && (argument || flags.all)) {
      const deadLetters = repositories.deadLetters;
      const authRequests = repositories.authRequests;
      const ids = argument ? [argument] : (await deadLetters.list(100)).map((letter) => letter.authReqId);
      const results = [];
      for (const id of ids) results.push({ auth_req_id: id, outcome: await redriveDeadLetter(id, { authRequests, deadLetters, clock: systemClock }) });
      print(results.map((r) => `${r.auth_req_id}: ${r.outcome === 'redriven' ? 're-driven' : 'the request no longer exists'}`).join('\n') || 'No dead letters.', results);
    } else if (noun === 'users' && verb === 'enroll-code' && argument) {
      const user = await repositories.users.findByLoginHint(argument);
      if (!user) throw new Error(`no user ${argument}`);
      const { code, expiresAt } = await issueEnrollmentCode(user.sub, repositories.devices, systemClock);
      const uri = enrollmentUri(target.issuer, code);
      const qr = flags.json ? '' : await QRCode.toString(uri, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
      print(`Enrollment for ${argument} (one use, until ${new Date(expiresAt).toISOString()}). Scan with the app:\n${qr}\n  ${uri}\n  code: ${code}`, {
        enrollment_code: code,
        enrollment_uri: uri,
        sub: user.sub,
        expires_at: new Date(expiresAt).toISOString(),
      });
    } else {
      console.error(USAGE);
      process.exitCode = 2;
    }
  } finally {
    repositories.destroy();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof OAuthError ? `${error.error}: ${error.description}` : error instanceof Error ? error.message : String(error);
  console.error(`ciba: ${message}`);
  process.exitCode = 1;
});
