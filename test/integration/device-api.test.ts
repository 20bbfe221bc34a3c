/**
 * The authentication device API (docs/device-protocol.md): enrollment with a one-time code and the
 * device's own P-256 key; proof-of-possession authentication of every call (`Authorization: Device
 * <JWT>`, bound to method and URL, single use); and what a device may read: its own user's pending
 * requests only.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbDeviceRepository } from '../../lambdas/adapters/dynamodb/device-repository.js';
import { issueEnrollmentCode } from '../../lambdas/core/device/enrollment-code.js';
import { TEST_ISSUER } from '../support/constants.js';
import {
  customDeviceJwt,
  deviceAuthorization,
  deviceCall,
  enrollDevice,
  enrollKeyedDevice,
  enrollmentCodeFor,
  runCli,
  storedDevice,
  withTable,
  type TestDevice,
} from '../support/device.js';
import { authReqIdOf, createTestUser } from '../support/jwt.js';
import { backchannel, call, decide, expectError, registerClient, type CallResult } from '../support/provider.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

const PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount: '123.45' },
  creditorName: 'Merchant A',
  creditorAccount: { iban: 'DE02100100109307118603' },
};

async function p256PublicJwk(): Promise<{ kty: string; crv: string; x: string; y: string }> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const { kty, crv, x, y } = await exportJWK(publicKey);
  return { kty: String(kty), crv: String(crv), x: String(x), y: String(y) };
}

function enroll(body: Record<string, unknown>): Promise<CallResult> {
  return call('POST', '/device/enroll', { json: body });
}

async function enrollmentBody(code: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return { enrollment_code: code, public_key: await p256PublicJwk(), platform: 'FCM', push_token: `token-${randomUUID()}`, ...extra };
}

describe('POST /device/enroll', () => {
  it('answers 201 with device_id, sub and the RFC 7638 thumbprint of the key, and no secret', async () => {
    const username = await createTestUser();
    const pushToken = `token-${randomUUID()}`;
    const device = await enrollKeyedDevice(username, { push_token: pushToken });
    expect(device.enrollment.device_id).toEqual(expect.any(String));
    expect(device.enrollment.device_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(device.enrollment.sub).toBe(username);
    expect(device.enrollment.key_thumbprint).toBe(await calculateJwkThumbprint({ ...device.publicJwk }, 'sha256'));
    // What a device gets back is public: no shared secret, no token, not even its own push token.
    expect(Object.keys(device.enrollment).sort()).toEqual(['device_id', 'display_name', 'key_thumbprint', 'platform', 'push', 'sub']);
    expect(JSON.stringify(device.enrollment)).not.toContain(pushToken);
  });

  it('accepts an enrollment code once: the second use is 401 invalid_token', async () => {
    const code = await enrollmentCodeFor(await createTestUser());
    expect((await enroll(await enrollmentBody(code))).status).toBe(201);
    expectError(await enroll(await enrollmentBody(code)), 401, 'invalid_token');
  });

  it('refuses an unknown enrollment code with 401 invalid_token (no WWW-Authenticate: there is no scheme to retry with)', async () => {
    const result = await enroll(await enrollmentBody(randomBytes(24).toString('base64url')));
    expectError(result, 401, 'invalid_token');
    expect(result.headers['www-authenticate']).toBeUndefined();
  });

  it('refuses an expired enrollment code with 401 invalid_token', async () => {
    const sub = await createTestUser();
    // Issued eleven minutes ago: codes live ten.
    const { code } = await withTable((dynamodb, tableName) => issueEnrollmentCode(sub, new DynamoDbDeviceRepository(sdkDynamoDb(dynamodb), tableName), { now: () => Date.now() - 11 * 60 * 1000 }));
    expectError(await enroll(await enrollmentBody(code)), 401, 'invalid_token');
  });

  const badKeys: [string, () => Promise<Record<string, unknown>>][] = [
    [
      'an RSA key',
      async () => {
        const { publicKey } = await generateKeyPair('RS256', { extractable: true });
        return { ...(await exportJWK(publicKey)) };
      },
    ],
    [
      'a P-384 key',
      async () => {
        const { publicKey } = await generateKeyPair('ES384', { extractable: true });
        return { ...(await exportJWK(publicKey)) };
      },
    ],
    [
      'a JWK with the private key d',
      async () => {
        const { privateKey } = await generateKeyPair('ES256', { extractable: true });
        return { ...(await exportJWK(privateKey)) };
      },
    ],
    [
      'a point that is not on P-256 (x changed)',
      async () => {
        const jwk = await p256PublicJwk();
        const x = Buffer.from(jwk.x, 'base64url');
        x[7] = (x[7] ?? 0) ^ 0x01;
        return { ...jwk, x: x.toString('base64url') };
      },
    ],
  ];

  it.each(badKeys)('refuses %s as public_key with 400 invalid_request', async (_name, makeKey) => {
    const code = await enrollmentCodeFor(await createTestUser());
    expectError(await enroll(await enrollmentBody(code, { public_key: await makeKey() })), 400, 'invalid_request');
  });

  it('leaves the code usable after an enrollment refused for its key', async () => {
    const code = await enrollmentCodeFor(await createTestUser());
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    expectError(await enroll(await enrollmentBody(code, { public_key: await exportJWK(privateKey) })), 400, 'invalid_request');
    expect((await enroll(await enrollmentBody(code))).status).toBe(201);
  });

  it.each([['WNS'], ['fcm'], [42], [undefined]])('refuses platform %s with 400 invalid_request', async (platform) => {
    const code = await enrollmentCodeFor(await createTestUser());
    expectError(await enroll(await enrollmentBody(code, { platform })), 400, 'invalid_request');
  });

  it.each([['APNS'], ['APNS_SANDBOX'], ['FCM']])('accepts platform %s', async (platform) => {
    const code = await enrollmentCodeFor(await createTestUser());
    const result = await enroll(await enrollmentBody(code, { platform }));
    expect(result.status, result.body).toBe(201);
    expect(result.json.platform).toBe(platform);
  });

  it('enrolls with a code from POST /simulator/enrollment-code {login_hint}', async () => {
    const username = await createTestUser();
    const issued = await call('POST', '/simulator/enrollment-code', { json: { login_hint: username } });
    expect(issued.status, issued.body).toBe(200);
    expect(issued.json.sub).toBe(username);
    const result = await enroll(await enrollmentBody(String(issued.json.enrollment_code)));
    expect(result.status, result.body).toBe(201);
    expect(result.json.sub).toBe(username);
  });

  it('sets the user_code chosen at enrollment: a client registered with backchannel_user_code_parameter must then send it', async () => {
    const username = await createTestUser();
    const client = await registerClient({ backchannel_user_code_parameter: true });
    // No user_code yet: the client needs none.
    authReqIdOf(await backchannel(client, { scope: 'openid', login_hint: username }));
    await enrollDevice(username, { user_code: '271828' });
    expectError(await backchannel(client, { scope: 'openid', login_hint: username }), 400, 'missing_user_code');
    expectError(await backchannel(client, { scope: 'openid', login_hint: username, user_code: '314159' }), 400, 'invalid_user_code');
    authReqIdOf(await backchannel(client, { scope: 'openid', login_hint: username, user_code: '271828' }));
  });
});

describe('device authentication (Authorization: Device <JWT>)', () => {
  const PATH = '/device/auth-requests';
  let device: TestDevice;

  beforeAll(async () => {
    device = await enrollDevice(await createTestUser());
  });

  function expectDeviceChallenge(result: CallResult): void {
    expectError(result, 401, 'invalid_token');
    expect(result.headers['www-authenticate']).toMatch(/^Device\b/);
  }

  const list = (authorization: string | undefined): Promise<CallResult> => call('GET', PATH, { headers: authorization === undefined ? {} : { authorization } });

  it('accepts a valid device JWT (the control for every refusal below)', async () => {
    const result = await list(`Device ${await customDeviceJwt(device, 'GET', PATH)}`);
    expect(result.status, result.body).toBe(200);
  });

  const now = (): number => Math.floor(Date.now() / 1000);
  const refusals: [string, () => Promise<string | undefined>][] = [
    ['no Authorization header', async () => undefined],
    ['another scheme (Bearer)', async () => `Bearer ${await customDeviceJwt(device, 'GET', PATH)}`],
    ['DPoP as the scheme', async () => `DPoP ${await customDeviceJwt(device, 'GET', PATH)}`],
    [
      'an unknown kid',
      async () => {
        const id = randomBytes(16).toString('base64url');
        return `Device ${await customDeviceJwt(device, 'GET', PATH, { header: { kid: id }, claims: { iss: id } })}`;
      },
    ],
    ['a JWT signed by another key with this kid', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { signingKey: (await generateKeyPair('ES256')).privateKey })}`],
    ['typ JWT', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { header: { typ: 'JWT' } })}`],
    ['no typ', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { header: { typ: undefined } })}`],
    ['another aud', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { claims: { aud: 'https://other.example' } })}`],
    ['another iss', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { claims: { iss: 'someone-else' } })}`],
    ['htm POST on a GET', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { claims: { htm: 'POST' } })}`],
    ['htu of another path', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { claims: { htu: `${TEST_ISSUER}/device/push-token` } })}`],
    ['htu of another host', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { claims: { htu: `https://other.example${PATH}` } })}`],
    ['an expired JWT', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { claims: { iat: now() - 200, exp: now() - 100 } })}`],
    ['a lifetime over 300 seconds', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { claims: { iat: now(), exp: now() + 301 } })}`],
    ['iat in the future', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { claims: { iat: now() + 120, exp: now() + 180 } })}`],
    ['no iat', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { claims: { iat: undefined } })}`],
    ['no exp', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { claims: { exp: undefined } })}`],
    ['no jti', async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { claims: { jti: undefined } })}`],
    [
      'alg none (no signature)',
      async () => {
        const [, payload] = (await customDeviceJwt(device, 'GET', PATH)).split('.');
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'device-request+jwt', kid: device.deviceId })).toString('base64url');
        return `Device ${header}.${payload}.`;
      },
    ],
    [
      'alg ES384 over a valid payload',
      async () => `Device ${await customDeviceJwt(device, 'GET', PATH, { header: { alg: 'ES384' }, signingKey: (await generateKeyPair('ES384')).privateKey })}`,
    ],
    ['a JWT that is not one', async () => 'Device not-a-jwt'],
  ];

  it.each(refusals)('answers %s with 401 invalid_token and a Device challenge', async (_name, authorization) => {
    expectDeviceChallenge(await list(await authorization()));
  });

  it('refuses a replayed JWT: the same one a second time is 401', async () => {
    const headers = await deviceAuthorization(device, 'GET', PATH);
    expect((await call('GET', PATH, { headers })).status).toBe(200);
    expectDeviceChallenge(await call('GET', PATH, { headers }));
  });

  it('refuses a device revoked in the table (DynamoDbDeviceRepository.setStatus revoked)', async () => {
    const revoked = await enrollDevice(await createTestUser());
    expect((await deviceCall(revoked, 'GET', PATH)).status).toBe(200);
    expect(await withTable((dynamodb, tableName) => new DynamoDbDeviceRepository(sdkDynamoDb(dynamodb), tableName).setStatus(revoked.deviceId, 'revoked'))).toBe(true);
    expectDeviceChallenge(await deviceCall(revoked, 'GET', PATH));
  });

  it('refuses a device revoked with the CLI (devices revoke), which lists it as revoked', async () => {
    const username = await createTestUser();
    const revoked = await enrollDevice(username);
    expect((await deviceCall(revoked, 'GET', PATH)).status).toBe(200);
    const cli = await runCli(['--json', 'devices', 'revoke', '--', revoked.deviceId]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual({ device_id: revoked.deviceId, status: 'revoked' });
    expectDeviceChallenge(await deviceCall(revoked, 'GET', PATH));
    expect((await storedDevice(revoked.deviceId))?.status).toBe('revoked');
    const listed = await runCli(['devices', 'list', username, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const devices = JSON.parse(listed.stdout) as Record<string, unknown>[];
    expect(devices).toEqual([expect.objectContaining({ deviceId: revoked.deviceId, status: 'revoked' })]);
    expect(devices[0]).not.toHaveProperty('pushToken');
  });
});

describe('the CLI and generated ids', () => {
  // device_ids are base64url: one in 64 starts with "-". The documented `ciba devices revoke <device_id>`
  // must take such an id as it takes any other.
  it('devices revoke <device_id> works for an id that starts with "-"', async () => {
    const username = await createTestUser();
    const deviceId = `-${randomBytes(15).toString('base64url')}`;
    const publicKey = await p256PublicJwk();
    await withTable((dynamodb, tableName) =>
      new DynamoDbDeviceRepository(sdkDynamoDb(dynamodb), tableName).create({
        deviceId,
        sub: username,
        publicKey: { kty: 'EC', crv: 'P-256', x: publicKey.x, y: publicKey.y },
        keyThumbprint: 'not-checked-here',
        platform: 'FCM',
        displayName: 'Test phone',
        createdAt: Date.now(),
        status: 'active',
      }),
    );
    const cli = await runCli(['--json', 'devices', 'revoke', deviceId]);
    expect(cli.code, cli.stderr).toBe(0);
    expect((await storedDevice(deviceId))?.status).toBe('revoked');
  });
});

describe('what a device reads', () => {
  let device: TestDevice;
  let username: string;
  let other: string;
  let older: string;
  let newer: string;
  let otherUsersRequest: string;
  let client: Awaited<ReturnType<typeof registerClient>>;

  beforeAll(async () => {
    username = await createTestUser();
    other = await createTestUser();
    device = await enrollDevice(username);
    client = await registerClient({ client_name: 'Merchant A shop', authorization_details_types: ['payment_initiation'] });
    older = authReqIdOf(
      await backchannel(client, {
        scope: 'openid email',
        login_hint: username,
        binding_message: 'Pay 123.45 EUR to Merchant A? Code 4821',
        acr_values: 'ciba',
        authorization_details: JSON.stringify([PAYMENT]),
      }),
    );
    // The list is ordered by creation time, to the millisecond.
    await sleep(10);
    newer = authReqIdOf(await backchannel(client, { scope: 'openid', login_hint: username, binding_message: 'Second request' }));
    // Decided already: no longer pending.
    const decided = authReqIdOf(await backchannel(client, { scope: 'openid', login_hint: username }));
    expect((await decide(decided, 'allow')).status).toBe(200);
    otherUsersRequest = authReqIdOf(await backchannel(client, { scope: 'openid', login_hint: other }));
  });

  it("lists only the device's user's pending requests, newest first, with what the user must see and server_time", async () => {
    const result = await deviceCall(device, 'GET', '/device/auth-requests');
    expect(result.status, result.body).toBe(200);
    const listed = result.json.auth_requests as Record<string, unknown>[];
    expect(listed.map((item) => item.auth_req_id)).toEqual([newer, older]);
    expect(listed[1]).toEqual(
      expect.objectContaining({
        auth_req_id: older,
        client_id: client.clientId,
        client_name: 'Merchant A shop',
        binding_message: 'Pay 123.45 EUR to Merchant A? Code 4821',
        scope: ['openid', 'email'],
        acr: 'ciba',
        authorization_details: [PAYMENT],
        user_verification_required: false,
        status: 'pending',
      }),
    );
    expect(listed[0]).toEqual(expect.objectContaining({ auth_req_id: newer, scope: ['openid'], binding_message: 'Second request', user_verification_required: false }));
    expect(listed[0]).not.toHaveProperty('authorization_details');
    expect(result.json.server_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(JSON.stringify(result.json)).not.toContain(otherUsersRequest);
  });

  it('shows one pending request of its user', async () => {
    const result = await deviceCall(device, 'GET', `/device/auth-requests/${older}`);
    expect(result.status, result.body).toBe(200);
    expect(result.json).toEqual(
      expect.objectContaining({
        auth_req_id: older,
        client_id: client.clientId,
        client_name: 'Merchant A shop',
        binding_message: 'Pay 123.45 EUR to Merchant A? Code 4821',
        scope: ['openid', 'email'],
        acr: 'ciba',
        authorization_details: [PAYMENT],
        user_verification_required: false,
        status: 'pending',
      }),
    );
  });

  it("answers another user's request with 404 not_found", async () => {
    expectError(await deviceCall(device, 'GET', `/device/auth-requests/${otherUsersRequest}`), 404, 'not_found');
  });

  it('answers an unknown request with 404 not_found', async () => {
    expectError(await deviceCall(device, 'GET', `/device/auth-requests/${randomBytes(32).toString('base64url')}`), 404, 'not_found');
  });
});
