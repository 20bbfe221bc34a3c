/**
 * Who decides a request of the external channel: the operator's authentication service, through its
 * callback, and nobody else (docs/external-service.md: an acr whose policy has `channel: external` is
 * "instead handed to the operator's own authentication service"). The user's enrolled device must not
 * see such a request on its list, show it, or decide it through the device API; otherwise a device
 * approval would yield tokens that claim acr `bank-app` without the service ever deciding.
 *
 * No callback is made here, so the provider is not served over HTTP: the issuer stays the tests' own
 * (which the device helpers sign for).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startReferenceService, type ReferenceService } from '../../examples/reference-external-service/server.js';
import { DynamoDbAuthRequestRepository } from '../../lambdas/adapters/dynamodb/auth-request-repository.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { createUserHere, deviceCall, enrollDevice, signDecision, type TestDevice } from '../support/device.js';
import { backchannel, expectError, poll, registerClient, type TestClient } from '../support/provider.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

const SERVICE_USERNAME = 'ciba-provider';
const SERVICE_PASSWORD = 'external-device-test-password';

let service: ReferenceService;
let user: string;
let device: TestDevice;
let client: TestClient;
const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
let authRequests: DynamoDbAuthRequestRepository;

beforeAll(async () => {
  service = await startReferenceService({ users: [], basic: { username: SERVICE_USERNAME, password: SERVICE_PASSWORD } });
  // Before the first handler call: the handlers read their configuration once.
  Object.assign(process.env, {
    CIBA_ACR_POLICIES: JSON.stringify({ ciba: { channel: 'device' }, 'bank-app': { channel: 'external' } }),
    CIBA_EXTERNAL_SERVICE_URL: service.url,
    CIBA_EXTERNAL_SERVICE_AUTH: 'basic',
    CIBA_EXTERNAL_SERVICE_USERNAME: SERVICE_USERNAME,
    CIBA_EXTERNAL_SERVICE_PASSWORD: SERVICE_PASSWORD,
  });
  authRequests = new DynamoDbAuthRequestRepository(sdkDynamoDb(dynamodb), String(process.env.CIBA_TABLE_NAME), { expiredRetentionSeconds: 86_400 });
  // A user of its own, with an enrolled device, whom the service can also authenticate.
  user = await createUserHere();
  service.state.users.set(user, { sub: user, allowed: true });
  device = await enrollDevice(user);
  client = await registerClient();
});

afterAll(async () => {
  await service?.stop();
  dynamodb.destroy();
});

async function externalRequest(): Promise<string> {
  const result = await backchannel(client, { scope: 'openid', login_hint: user, acr_values: 'bank-app', binding_message: 'EXT-0001' });
  expect(result.status, result.body).toBe(200);
  const authReqId = String(result.json.auth_req_id);
  expect(service.state.authentications.has(authReqId)).toBe(true);
  return authReqId;
}

describe("the user's device and a request of the external channel", () => {
  it('the device list does not show it', async () => {
    const authReqId = await externalRequest();
    const list = await deviceCall(device, 'GET', '/device/auth-requests');
    expect(list.status, list.body).toBe(200);
    expect((list.json.auth_requests as { auth_req_id: string }[]).map((item) => item.auth_req_id)).not.toContain(authReqId);
  });

  it('the device cannot read it by its id: 404 not_found', async () => {
    const authReqId = await externalRequest();
    expectError(await deviceCall(device, 'GET', `/device/auth-requests/${authReqId}`), 404, 'not_found');
  });

  it('the device cannot approve it: 404 not_found, the request stays pending and the client gets no tokens', async () => {
    const authReqId = await externalRequest();
    // The transaction exactly as the provider would show it (docs/device-protocol.md, "Deciding").
    const transaction = { auth_req_id: authReqId, client_id: client.clientId, binding_message: 'EXT-0001', decision: 'approve' };
    const decided = await deviceCall(device, 'POST', `/device/auth-requests/${authReqId}/decision`, { signed_decision: await signDecision(device, transaction, ['fpt']), transaction });
    expectError(decided, 404, 'not_found');
    expect((await authRequests.find(authReqId))?.status).toBe('pending');
    expectError(await poll(client, authReqId), 400, 'authorization_pending');
  });
});
