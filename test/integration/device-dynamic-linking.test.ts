/**
 * The phone channel end to end: a device with its own key enrolls, sees the request with its payment
 * details, signs exactly what it shows, and the client's tokens carry those details; the evidence of
 * the approval is kept.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { TEST_ISSUER } from '../support/constants.js';
import { decideOnDevice, deviceCall, enrollDevice, signDecision, transactionOf } from '../support/device.js';
import { createTestUser } from '../support/jwt.js';
import { backchannel, call, expectError, poll, registerClient } from '../support/provider.js';

const PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'GBP', amount: '500.00' },
  creditorName: 'ExampleBank Savings',
  creditorAccount: { sortCode: '123456', accountNumber: '12345589' },
};

async function paymentRequest(loginHint: string) {
  const client = await registerClient({ authorization_details_types: ['payment_initiation'] });
  const started = await backchannel(client, {
    scope: 'openid',
    login_hint: loginHint,
    binding_message: 'Allow ExampleBank to transfer £500.00 from your Current account to account ending 5589?',
    authorization_details: JSON.stringify([PAYMENT]),
  });
  expect(started.status, started.body).toBe(200);
  return { client, authReqId: String(started.json.auth_req_id) };
}

describe('dynamic linking on the device', () => {
  it('approves with a signature over exactly what the device showed; the tokens carry the details and the amr', async () => {
    const username = await createTestUser();
    const device = await enrollDevice(username);
    const { client, authReqId } = await paymentRequest(username);

    const list = await deviceCall(device, 'GET', '/device/auth-requests');
    expect(list.status, list.body).toBe(200);
    expect(list.json.auth_requests).toEqual([expect.objectContaining({ auth_req_id: authReqId, authorization_details: [PAYMENT] })]);

    expect((await decideOnDevice(device, authReqId, 'approve')).status).toBe(200);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(tokens.json.authorization_details).toEqual([PAYMENT]);
    const keys = createLocalJWKSet((await call('GET', '/jwks')).json as never);
    const { payload } = await jwtVerify(String(tokens.json.id_token), keys, { issuer: TEST_ISSUER, audience: client.clientId });
    expect(payload.amr).toEqual(['swk', 'fpt']);
  });

  it('refuses a signature over different transaction details (another amount), and the request stays pending', async () => {
    const username = await createTestUser();
    const device = await enrollDevice(username);
    const { client, authReqId } = await paymentRequest(username);
    const view = await deviceCall(device, 'GET', `/device/auth-requests/${authReqId}`);
    const tampered = transactionOf({ ...view.json, authorization_details: [{ ...PAYMENT, instructedAmount: { currency: 'GBP', amount: '5.00' } }] }, 'approve');
    const result = await deviceCall(device, 'POST', `/device/auth-requests/${authReqId}/decision`, { signed_decision: await signDecision(device, tampered), transaction: tampered });
    expectError(result, 400, 'invalid_request');
    expect(result.json.error_description).toMatch(/other transaction details/);
    expectError(await poll(client, authReqId), 400, 'authorization_pending');
  });

  it("refuses another user's device", async () => {
    const owner = await createTestUser();
    const stranger = await enrollDevice(await createTestUser());
    const { authReqId } = await paymentRequest(owner);
    expectError(await deviceCall(stranger, 'GET', `/device/auth-requests/${authReqId}`), 404, 'not_found');
  });
});
