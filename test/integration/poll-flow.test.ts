import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { TEST_ISSUER } from '../support/constants.js';
import { call, decide, expectError, poll, registerClient, startAuthRequest } from '../support/provider.js';

describe('a complete poll-mode flow (CIBA Core 7, 10.1, 11)', () => {
  it('registers, starts, stays pending, is approved and yields tokens that verify against /jwks', async () => {
    const client = await registerClient();
    const authReqId = await startAuthRequest(client, { binding_message: 'Allow ExampleBank to transfer £500.00 from your Current account to account ending 5589?' });

    expectError(await poll(client, authReqId), 400, 'authorization_pending');
    expect((await decide(authReqId, 'allow')).status).toBe(200);

    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    expect(tokens.headers['cache-control']).toBe('no-store');
    expect(tokens.json).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });

    const jwks = createLocalJWKSet((await call('GET', '/jwks')).json as never);
    const { payload, protectedHeader } = await jwtVerify(String(tokens.json.id_token), jwks, { issuer: TEST_ISSUER, audience: client.clientId });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
    expect(payload).toMatchObject({ sub: 'jane.doe', 'urn:openid:params:jwt:claim:auth_req_id': authReqId, at_hash: expect.any(String) });
  });
});
