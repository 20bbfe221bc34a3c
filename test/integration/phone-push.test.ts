/**
 * The phone channel: a new backchannel request is pushed to each of the user's reachable devices,
 * through the real table stream, dispatcher and delivery handler and the local stand-in for SNS. The
 * push carries a reference signed by the provider, never the binding message; a device whose platform
 * endpoint is disabled is marked unreachable and skipped until it sends a new push token.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { localPushService } from '../../lambdas/adapters/push/local-push-service.js';
import type { PhoneNotification } from '../../lambdas/core/ports.js';
import { TEST_ISSUER } from '../support/constants.js';
import { createUserHere, deviceCall, enrollDevice, runCli, storedDevice, type TestDevice } from '../support/device.js';
import { authReqIdOf } from '../support/jwt.js';
import { backchannel, call, registerClient, type TestClient } from '../support/provider.js';
import { eventually } from '../support/receiver.js';
import { useNotificationPipeline } from '../support/workers.js';

const harness = useNotificationPipeline('phone-push');

let client: TestClient;

beforeAll(async () => {
  client = await registerClient();
});

/** How long a push may take to arrive; and how long to listen for one that should not. */
const ARRIVAL_MS = 10_000;
const QUIET_MS = 1500;

/** Everything each device has read from its inbox so far (GET /simulator/push-inbox empties it). */
const received = new Map<string, PhoneNotification[]>();

async function readInbox(device: TestDevice): Promise<PhoneNotification[]> {
  const result = await deviceCall(device, 'GET', '/simulator/push-inbox');
  expect(result.status, result.body).toBe(200);
  const all = [...(received.get(device.deviceId) ?? []), ...(result.json.notifications as PhoneNotification[])];
  received.set(device.deviceId, all);
  return all;
}

/** The device's pushes for one request, once there is at least one. */
function pushesFor(device: TestDevice, authReqId: string): Promise<PhoneNotification[]> {
  return eventually(
    async () => (await readInbox(device)).filter((notification) => notification.authReqId === authReqId),
    (found) => found.length > 0,
    ARRIVAL_MS,
    `a push of ${authReqId} to device ${device.deviceId}`,
  );
}

/** The device's pushes for one request after a quiet period (for asserting exactly one, or none). */
async function pushesAfterQuiet(device: TestDevice, authReqId: string): Promise<PhoneNotification[]> {
  await sleep(QUIET_MS);
  return (await readInbox(device)).filter((notification) => notification.authReqId === authReqId);
}

async function newRequest(username: string, form: Record<string, string> = {}): Promise<string> {
  return authReqIdOf(await backchannel(client, { scope: 'openid', login_hint: username, ...form }));
}

async function endpointArnOf(device: TestDevice): Promise<string> {
  const arn = (await storedDevice(device.deviceId))?.endpointArn;
  expect(arn).toEqual(expect.any(String));
  return String(arn);
}

describe('a new request is pushed to the user’s phone', () => {
  it('sends exactly one push, a reference signed by the provider (typ ciba-push+jwt, aud urn:ciba:authentication-device), without the binding message', async () => {
    const username = await createUserHere();
    const device = await enrollDevice(username);
    const bindingMessage = `Pay 99.00 EUR to Shop ${randomUUID().slice(0, 8)}?`;
    const authReqId = await newRequest(username, { binding_message: bindingMessage });

    const [push] = await pushesFor(device, authReqId);
    expect(await pushesAfterQuiet(device, authReqId)).toHaveLength(1);
    expect(received.get(device.deviceId)).toHaveLength(1);
    expect(Object.keys(push ?? {}).sort()).toEqual(['authReqId', 'signature']);

    const jwks = createLocalJWKSet((await call('GET', '/jwks')).json as never);
    const { payload, protectedHeader } = await jwtVerify(String(push?.signature), jwks, { issuer: TEST_ISSUER, audience: 'urn:ciba:authentication-device', typ: 'ciba-push+jwt' });
    expect(protectedHeader.typ).toBe('ciba-push+jwt');
    expect(payload.auth_req_id).toBe(authReqId);
    expect(payload.exp).toEqual(expect.any(Number));
    // The push names no user (docs/device-protocol.md 5.2): it passes through Apple's or Google's servers.
    expect(payload).not.toHaveProperty('sub');
    // The binding message and payment data travel over the device API only, not through the platforms.
    expect(JSON.stringify(push)).not.toContain(bindingMessage);
    expect(JSON.stringify(payload)).not.toContain(bindingMessage);
    expect(payload).not.toHaveProperty('binding_message');
  });

  it('pushes once to each of two devices', async () => {
    const username = await createUserHere();
    const first = await enrollDevice(username);
    const second = await enrollDevice(username);
    const authReqId = await newRequest(username);
    await pushesFor(first, authReqId);
    await pushesFor(second, authReqId);
    expect(await pushesAfterQuiet(first, authReqId)).toHaveLength(1);
    expect(await pushesAfterQuiet(second, authReqId)).toHaveLength(1);
  });

  it('pushes to every one of several devices enrolled at the same moment', async () => {
    const username = await createUserHere();
    const devices = await Promise.all([1, 2, 3, 4].map(() => enrollDevice(username)));
    const authReqId = await newRequest(username);
    // Where the request is pushed: the devices on the user's record when it was made.
    const targets = (await harness.pipeline.authRequests.find(authReqId))?.pushTargets?.map((target) => target.deviceId) ?? [];
    expect([...targets].sort()).toEqual(devices.map((device) => device.deviceId).sort());
    for (const device of devices) expect(await pushesFor(device, authReqId)).toHaveLength(1);
  });

  it('pushes nothing to a device revoked with the CLI (its sibling, still active, gets its push)', async () => {
    const username = await createUserHere();
    const active = await enrollDevice(username);
    const revoked = await enrollDevice(username);
    const revokedArn = await endpointArnOf(revoked);
    const cli = await runCli(['--json', 'devices', 'revoke', '--', revoked.deviceId]);
    expect(cli.code, cli.stderr).toBe(0);

    const authReqId = await newRequest(username);
    // A revoked device cannot authenticate to read its inbox: both inboxes are read from the stand-in
    // directly (the sibling's push shows that this is the instance the delivery handler pushes to).
    const activeArn = await endpointArnOf(active);
    const siblingPushes: PhoneNotification[] = [];
    await eventually(
      async () => siblingPushes.push(...localPushService.take(activeArn).filter((notification) => notification.authReqId === authReqId)),
      () => siblingPushes.length > 0,
      ARRIVAL_MS,
      'the active sibling’s push',
    );
    await sleep(QUIET_MS);
    expect(localPushService.take(revokedArn).filter((notification) => notification.authReqId === authReqId)).toEqual([]);
  });

  it('marks a device whose endpoint the platform disabled unreachable, skips it, and a new push token brings it back', async () => {
    const username = await createUserHere();
    const disabled = await enrollDevice(username);
    const sibling = await enrollDevice(username);
    const disabledArn = await endpointArnOf(disabled);
    localPushService.disable(disabledArn);

    // The first request finds the endpoint disabled.
    const first = await newRequest(username);
    await pushesFor(sibling, first);
    await eventually(() => storedDevice(disabled.deviceId), (device) => device?.status === 'unreachable', ARRIVAL_MS, 'the device to be marked unreachable');

    // The next request is not pushed to it, even if the platform endpoint worked again.
    await localPushService.registerDevice({ deviceId: disabled.deviceId, platform: 'FCM', pushToken: 'outside-the-provider', endpointArn: disabledArn });
    const second = await newRequest(username);
    expect((await harness.pipeline.authRequests.find(second))?.pushTargets?.map((target) => target.deviceId)).toEqual([sibling.deviceId]);
    await pushesFor(sibling, second);
    expect(await pushesAfterQuiet(disabled, second)).toEqual([]);

    // The app gets a new token from the platform and sends it: the device is active again.
    const newToken = `token-${randomUUID()}`;
    const updated = await deviceCall(disabled, 'POST', '/device/push-token', { push_token: newToken });
    expect(updated.status, updated.body).toBe(200);
    expect(updated.json).toEqual({ device_id: disabled.deviceId, push: 'registered' });
    expect(await storedDevice(disabled.deviceId)).toEqual(expect.objectContaining({ status: 'active', pushToken: newToken, endpointArn: disabledArn }));
    const third = await newRequest(username);
    expect(await pushesFor(disabled, third)).toHaveLength(1);
    await pushesFor(sibling, third);
  });

  it('re-enables through POST /device/push-token an endpoint the platform disabled, without any request in between', async () => {
    const username = await createUserHere();
    const device = await enrollDevice(username);
    const arn = await endpointArnOf(device);
    localPushService.disable(arn);
    const updated = await deviceCall(device, 'POST', '/device/push-token', { push_token: `token-${randomUUID()}` });
    expect(updated.status, updated.body).toBe(200);
    const authReqId = await newRequest(username);
    expect(await pushesFor(device, authReqId)).toHaveLength(1);
  });
});
