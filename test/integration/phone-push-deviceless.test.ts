/**
 * A deployment that serves only users it can reach (CIBA_ALLOW_DEVICELESS_REQUESTS=false, as deployed
 * stacks are): a backchannel request for a user with no reachable device is 403 access_denied at once
 * (CIBA Core §13), rather than a request nobody can answer. This file is its own process, so the
 * setting applies to its handlers only.
 */
process.env.CIBA_ALLOW_DEVICELESS_REQUESTS = 'false';

import { beforeAll, describe, expect, it } from 'vitest';
import { localPushService } from '../../lambdas/adapters/push/local-push-service.js';
import { createUserHere, deviceCall, enrollDevice, runCli, storedDevice } from '../support/device.js';
import { authReqIdOf } from '../support/jwt.js';
import { backchannel, expectError, registerClient, type CallResult, type TestClient } from '../support/provider.js';
import { eventually } from '../support/receiver.js';
import { useNotificationPipeline } from '../support/workers.js';

// The pipeline pushes new requests to phones; this file checks what it does for users without one.
useNotificationPipeline('deviceless');

let client: TestClient;

beforeAll(async () => {
  client = await registerClient();
});

const request = (username: string): Promise<CallResult> => backchannel(client, { scope: 'openid', login_hint: username });

describe('CIBA_ALLOW_DEVICELESS_REQUESTS=false', () => {
  it('answers a request for a user with no device with 403 access_denied', async () => {
    expectError(await request(await createUserHere()), 403, 'access_denied');
  });

  it('accepts a request for a user with an active device', async () => {
    const username = await createUserHere();
    await enrollDevice(username);
    authReqIdOf(await request(username));
  });

  it('answers a request for a user whose only device is unreachable with 403 access_denied; a new push token makes it reachable again', async () => {
    const username = await createUserHere();
    const device = await enrollDevice(username);
    const arn = String((await storedDevice(device.deviceId))?.endpointArn);
    localPushService.disable(arn);
    // Still active when this request is made: its push finds the endpoint disabled.
    authReqIdOf(await request(username));
    await eventually(() => storedDevice(device.deviceId), (stored) => stored?.status === 'unreachable', 10_000, 'the device to be marked unreachable');
    expectError(await request(username), 403, 'access_denied');

    const updated = await deviceCall(device, 'POST', '/device/push-token', { push_token: 'a-new-token-from-the-platform' });
    expect(updated.status, updated.body).toBe(200);
    authReqIdOf(await request(username));
  });

  it('answers a request for a user whose only device is revoked with 403 access_denied', async () => {
    const username = await createUserHere();
    const device = await enrollDevice(username);
    authReqIdOf(await request(username));
    const cli = await runCli(['--json', 'devices', 'revoke', '--', device.deviceId]);
    expect(cli.code, cli.stderr).toBe(0);
    expectError(await request(username), 403, 'access_denied');
  });
});
