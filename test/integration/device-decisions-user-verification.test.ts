/**
 * An acr whose policy requires user verification (CIBA_ACR_POLICIES): an approval must report in amr
 * how the user was verified (pin, fpt, face ...); mere presence ("user") is not enough. A denial needs
 * no verification. This file is its own process, so the policy applies to its handlers only.
 */
process.env.CIBA_ACR_POLICIES = '{"push":{"channel":"device","userVerification":"required"},"ciba":{"channel":"device","userVerification":"optional"}}';

import { beforeAll, describe, expect, it } from 'vitest';
import { decideOnDevice, deviceCall, enrollDevice, type TestDevice } from '../support/device.js';
import { authReqIdOf, createTestUser, idTokenClaims } from '../support/jwt.js';
import { backchannel, expectError, poll, registerClient, type TestClient } from '../support/provider.js';

let client: TestClient;

beforeAll(async () => {
  client = await registerClient();
});

async function pending(acr: string): Promise<{ device: TestDevice; authReqId: string }> {
  const username = await createTestUser();
  const device = await enrollDevice(username);
  const authReqId = authReqIdOf(await backchannel(client, { scope: 'openid', login_hint: username, acr_values: acr, binding_message: 'Sign in to Example? Code 1234' }));
  return { device, authReqId };
}

describe('acr push: userVerification required', () => {
  it('shows the device that user verification is required', async () => {
    const { device, authReqId } = await pending('push');
    const view = await deviceCall(device, 'GET', `/device/auth-requests/${authReqId}`);
    expect(view.status, view.body).toBe(200);
    expect(view.json).toEqual(expect.objectContaining({ acr: 'push', user_verification_required: true }));
  });

  it("refuses an approval with amr ['user'] only: 400 invalid_request, and the request stays pending", async () => {
    const { device, authReqId } = await pending('push');
    const result = await decideOnDevice(device, authReqId, 'approve', ['user']);
    expectError(result, 400, 'invalid_request');
    expect(result.json.error_description).toMatch(/user verification/);
    expectError(await poll(client, authReqId), 400, 'authorization_pending');
  });

  it('refuses an approval that reports no amr at all', async () => {
    const { device, authReqId } = await pending('push');
    expectError(await decideOnDevice(device, authReqId, 'approve', []), 400, 'invalid_request');
    expectError(await poll(client, authReqId), 400, 'authorization_pending');
  });

  it("accepts an approval with amr ['face']: 200, and the ID token carries acr push and amr ['swk', 'face']", async () => {
    const { device, authReqId } = await pending('push');
    const result = await decideOnDevice(device, authReqId, 'approve', ['face']);
    expect(result.status, result.body).toBe(200);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    const claims = await idTokenClaims(tokens, client.clientId);
    expect(claims.acr).toBe('push');
    expect(claims.amr).toEqual(['swk', 'face']);
  });

  it("accepts the approval after a refused one: ['user'] then ['pin']", async () => {
    const { device, authReqId } = await pending('push');
    expectError(await decideOnDevice(device, authReqId, 'approve', ['user']), 400, 'invalid_request');
    expect((await decideOnDevice(device, authReqId, 'approve', ['pin'])).status).toBe(200);
  });

  it("accepts a denial without user verification (amr ['user'])", async () => {
    const { device, authReqId } = await pending('push');
    const result = await decideOnDevice(device, authReqId, 'deny', ['user']);
    expect(result.status, result.body).toBe(200);
    expectError(await poll(client, authReqId), 400, 'access_denied');
  });
});

describe('acr ciba: userVerification optional', () => {
  it("accepts an approval with amr ['user'] only", async () => {
    const { device, authReqId } = await pending('ciba');
    const view = await deviceCall(device, 'GET', `/device/auth-requests/${authReqId}`);
    expect(view.json).toEqual(expect.objectContaining({ acr: 'ciba', user_verification_required: false }));
    const result = await decideOnDevice(device, authReqId, 'approve', ['user']);
    expect(result.status, result.body).toBe(200);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect((await idTokenClaims(tokens, client.clientId)).amr).toEqual(['swk', 'user']);
  });
});
