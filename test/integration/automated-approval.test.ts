/**
 * POST /test/ciba/approve?auth_req_id=…&action=allow|deny: the conformance suite's
 * automated_ciba_approval_url, standing in for the user in unattended runs.
 */
import { decodeJwt } from 'jose';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbUserDirectory } from '../../lambdas/adapters/dynamodb/user-directory.js';
import { AUTOMATED_APPROVAL_TEMPLATE } from '../../lambdas/routes.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { TEST_TABLE_NAME } from '../support/constants.js';
import { call, decide, expectError, poll, registerClient, startAuthRequest, type TestClient } from '../support/provider.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
afterAll(() => dynamodb.destroy());

/** A request for a user of this file's own, so that nothing other files do to the demo users matters here. */
async function startRequest(client: TestClient): Promise<{ authReqId: string; sub: string }> {
  const sub = `approval-${randomBytes(6).toString('hex')}`;
  await new DynamoDbUserDirectory(sdkDynamoDb(dynamodb), TEST_TABLE_NAME).createUser({ sub, username: sub, claims: {} });
  return { authReqId: await startAuthRequest(client, { login_hint: sub }), sub };
}

function approvalUrl(query: string): string {
  return `${AUTOMATED_APPROVAL_TEMPLATE.split('?')[0]}?${query}`;
}

describe('automated approval', () => {
  it('allow: 200, and the next poll gets tokens for the hinted user', async () => {
    const client = await registerClient();
    const { authReqId, sub } = await startRequest(client);
    const result = await decide(authReqId, 'allow');
    expect(result.status, result.body).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(result.json).toMatchObject({ auth_req_id: authReqId, status: 'approved' });

    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(decodeJwt(String(tokens.json.id_token)).sub).toBe(sub);
  });

  it('deny: 200, and the next poll gets access_denied', async () => {
    const client = await registerClient();
    const { authReqId } = await startRequest(client);
    const result = await decide(authReqId, 'deny');
    expect(result.status, result.body).toBe(200);
    expect(result.json).toMatchObject({ auth_req_id: authReqId, status: 'denied' });
    expectError(await poll(client, authReqId), 400, 'access_denied');
  });

  it('answers 404 not_found for an unknown auth_req_id', async () => {
    expectError(await decide(randomBytes(32).toString('base64url'), 'allow'), 404, 'not_found');
  });

  it('answers 400 invalid_request without an action, or with an action other than allow or deny; the request stays pending', async () => {
    const client = await registerClient();
    const { authReqId } = await startRequest(client);
    const id = encodeURIComponent(authReqId);
    expectError(await call('POST', approvalUrl(`auth_req_id=${id}`)), 400, 'invalid_request');
    expectError(await call('POST', approvalUrl(`auth_req_id=${id}&action=maybe`)), 400, 'invalid_request');
    expectError(await call('POST', approvalUrl(`auth_req_id=${id}&action=`)), 400, 'invalid_request');
    expectError(await call('POST', approvalUrl(`auth_req_id=${id}&action=allow&action=deny`)), 400, 'invalid_request');
    expectError(await poll(client, authReqId), 400, 'authorization_pending');
  });

  it('answers 400 invalid_request without an auth_req_id', async () => {
    expectError(await call('POST', approvalUrl('action=allow')), 400, 'invalid_request');
  });

  it('answers 409 for a request already decided, and keeps the first decision', async () => {
    const client = await registerClient();
    const { authReqId } = await startRequest(client);
    expect((await decide(authReqId, 'deny')).status).toBe(200);
    expectError(await decide(authReqId, 'allow'), 409, 'request_not_pending');
    expectError(await decide(authReqId, 'deny'), 409, 'request_not_pending');
    expectError(await poll(client, authReqId), 400, 'access_denied');
  });

  it('is not routed at all when the feature is off, and decides nothing', async () => {
    const client = await registerClient();
    const { authReqId } = await startRequest(client);
    const result = await call('POST', approvalUrl(`auth_req_id=${encodeURIComponent(authReqId)}&action=allow`), { features: new Set(['simulator'] as const) });
    expect(result.status).toBe(404);
    expectError(await poll(client, authReqId), 400, 'authorization_pending');
  });
});
