/**
 * RFC 9396 authorization_details on backchannel requests: validated per type against what the client
 * registered, shown to the device, and carried in the tokens of the approval.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { TEST_INITIAL_ACCESS_TOKEN, TEST_ISSUER } from '../support/constants.js';
import { generateClientKey, jwks, requestObject, signedBackchannel } from '../support/jwt.js';
import { backchannel, call, decide, expectError, poll, registerClient, type TestClient } from '../support/provider.js';

const PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'GBP', amount: '500.00' },
  creditorName: 'ExampleBank Savings',
  creditorAccount: { sortCode: '123456', accountNumber: '12345589' },
  remittanceInformationUnstructured: 'Invoice EB-0246326',
};

const paymentClient = (): Promise<TestClient> => registerClient({ authorization_details_types: ['payment_initiation'] });
const request = (client: TestClient, details: unknown) =>
  backchannel(client, { scope: 'openid', login_hint: 'jane.doe', binding_message: 'Pay £500.00 to ExampleBank Savings', authorization_details: typeof details === 'string' ? details : JSON.stringify(details) });

describe('authorization_details accepted (RFC 9396)', () => {
  it('are stored, approved and returned in the token response and the access token', async () => {
    const client = await paymentClient();
    const started = await request(client, [PAYMENT]);
    expect(started.status, started.body).toBe(200);
    const authReqId = String(started.json.auth_req_id);
    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(tokens.json.authorization_details).toEqual([PAYMENT]);
    const keys = createLocalJWKSet((await call('GET', '/jwks')).json as never);
    const { payload } = await jwtVerify(String(tokens.json.access_token), keys, { issuer: TEST_ISSUER, typ: 'at+jwt' });
    expect(payload.authorization_details).toEqual([PAYMENT]);
  });

  it('come as a JSON array inside a signed request object', async () => {
    const key = await generateClientKey('ES256');
    const client = await registerClient({ authorization_details_types: ['payment_initiation'], jwks: jwks(key), backchannel_authentication_request_signing_alg: 'ES256' });
    const jwt = await requestObject(client, key, { scope: 'openid', login_hint: 'jane.doe', authorization_details: [PAYMENT] });
    const started = await signedBackchannel(client, jwt);
    expect(started.status, started.body).toBe(200);
  });

  it('are listed in discovery', async () => {
    expect((await call('GET', '/.well-known/openid-configuration')).json.authorization_details_types_supported).toEqual(['payment_initiation']);
  });
});

describe('authorization_details refused with 400 invalid_authorization_details (RFC 9396 §5)', () => {
  const cases: [string, unknown][] = [
    ['text that is not JSON', '[{"type":'],
    ['a JSON object instead of an array', PAYMENT],
    ['an empty array', []],
    ['an entry without type', [{ instructedAmount: PAYMENT.instructedAmount }]],
    ['an unsupported type', [{ ...PAYMENT, type: 'account_information' }]],
    ['an amount that is a number (money is a decimal string)', [{ ...PAYMENT, instructedAmount: { currency: 'GBP', amount: 500 } }]],
    ['an amount with a thousands separator', [{ ...PAYMENT, instructedAmount: { currency: 'GBP', amount: '1,500.00' } }]],
    ['a currency that is not ISO 4217', [{ ...PAYMENT, instructedAmount: { currency: 'pounds', amount: '500.00' } }]],
    ['an unknown member (everything is shown to the user)', [{ ...PAYMENT, note: 'x' }]],
    ['a creditor name with a bidirectional override', [{ ...PAYMENT, creditorName: 'Example \u202Eknab' }]],
    ['a creditor account that is not an IBAN', [{ ...PAYMENT, creditorAccount: { iban: 'GB00' } }]],
    ['a missing creditorName', [{ ...PAYMENT, creditorName: undefined }]],
  ];
  for (const [name, details] of cases) {
    it(`refuses ${name}`, async () => {
      expectError(await request(await paymentClient(), details), 400, 'invalid_authorization_details');
    });
  }

  it('refuses a type the client did not register', async () => {
    expectError(await request(await registerClient(), [PAYMENT]), 400, 'invalid_authorization_details');
  });

  it('refuses registering an unsupported type: 400 invalid_client_metadata', async () => {
    const result = await call('POST', '/register', {
      headers: { authorization: `Bearer ${TEST_INITIAL_ACCESS_TOKEN}` },
      json: { backchannel_token_delivery_mode: 'poll', authorization_details_types: ['account_information'] },
    });
    expectError(result, 400, 'invalid_client_metadata');
  });
});
