/**
 * Key rotation through the provider itself (local signing mode, this file's own table): the rotation
 * function as CloudFormation and the schedule invoke it, and tokens issued before a rotation keep
 * verifying at the JWKS, userinfo and introspection until their key retires.
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyRingStore } from '../../lambdas/adapters/signing/signer.js';
import { LocalSigningKeyFactory } from '../../lambdas/adapters/signing/local-key-factory.js';
import { config } from '../../lambdas/config.js';
import { systemClock } from '../../lambdas/core/ports.js';
import { rotateSigningKeys } from '../../lambdas/core/signing-keys/rotate-signing-keys.js';
import { handler as rotation } from '../../lambdas/handlers/signing-key-rotation.js';
import { endpointPaths } from '../../lambdas/routes.js';
import { TEST_ISSUER } from '../support/constants.js';
import { basic, call, decide, poll, registerClient, startAuthRequest, type TestClient } from '../support/provider.js';
import { runCli } from '../support/device.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { createOwnTable, useOwnTable } from '../support/workers.js';

const table = useOwnTable('rotation');
// Every request reads the ring, as functions do once their cache expired: rotations show at once.
process.env.CIBA_SIGNING_KEY_RING_CACHE_SECONDS = '0';

let receiver: Receiver;
beforeAll(async () => {
  await createOwnTable(table);
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const cloudFormation = (requestType: 'Create' | 'Update' | 'Delete', requestId: string) => ({
  RequestType: requestType,
  ResponseURL: `http://127.0.0.1:${receiver.port}/cfn/${requestId}`,
  StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/test/1',
  RequestId: requestId,
  LogicalResourceId: 'SigningKeysRing',
  ResourceType: 'Custom::SigningKeyRing',
  ResourceProperties: { Mode: 'local' },
});

async function answerTo(requestId: string): Promise<Record<string, unknown>> {
  await receiver.waitFor((requests) => requests.some((request) => request.path === `/cfn/${requestId}`), 5000);
  const request = receiver.requests.find((candidate) => candidate.path === `/cfn/${requestId}`)!;
  expect(request.method).toBe('PUT');
  return JSON.parse(request.body) as Record<string, unknown>;
}

async function tokensFor(client: TestClient): Promise<{ accessToken: string; idToken: string }> {
  const authReqId = await startAuthRequest(client, { scope: 'openid email' });
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  const tokens = await poll(client, authReqId);
  expect(tokens.status, tokens.body).toBe(200);
  return { accessToken: String(tokens.json.access_token), idToken: String(tokens.json.id_token) };
}

/** The JWKS as a relying party fetches it, through the provider's own /jwks route. */
async function publishedKids(): Promise<string[]> {
  const result = await call('GET', endpointPaths.jwks);
  return (result.json.keys as { kid: string }[]).map((key) => key.kid);
}

async function idTokenVerifies(idToken: string, client: TestClient): Promise<boolean> {
  const result = await call('GET', endpointPaths.jwks);
  const jwks = { keys: result.json.keys as never[] };
  return jwtVerify(idToken, createLocalJWKSet(jwks), { issuer: TEST_ISSUER, audience: client.clientId }).then(
    () => true,
    () => false,
  );
}

const userinfoStatus = async (accessToken: string): Promise<number> => (await call('GET', endpointPaths.userinfo, { headers: { authorization: `Bearer ${accessToken}` } })).status;

describe('the signing keys custom resource', () => {
  it('makes the keys at Create, leaves them at Update and Delete, and always answers CloudFormation', async () => {
    expect(await keyRingStore(config()).read()).toBeUndefined();
    await rotation(cloudFormation('Create', 'create-1'));
    const created = await answerTo('create-1');
    const ring = await keyRingStore(config()).read();
    expect(ring?.keys).toHaveLength(2);
    expect(created).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'signing-key-ring',
      RequestId: 'create-1',
      LogicalResourceId: 'SigningKeysRing',
      Data: { CurrentKid: ring?.keys.find((key) => key.state === 'current')?.kid },
    });
    expect(JSON.stringify(created)).not.toMatch(/privateJwk|"d"/);

    await rotation(cloudFormation('Update', 'update-1'));
    expect(await answerTo('update-1')).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'signing-key-ring' });
    await rotation(cloudFormation('Delete', 'delete-1'));
    expect(await answerTo('delete-1')).toMatchObject({ Status: 'SUCCESS' });
    expect((await keyRingStore(config()).read())?.version).toBe(ring?.version);
  });
});

describe('tokens across rotations', () => {
  it('keep verifying at the JWKS, userinfo and introspection until their key retires', async () => {
    const client = await registerClient();
    const before = await tokensFor(client);
    const firstKid = decodeProtectedHeader(before.idToken).kid as string;

    // The schedule's duplicate guard: the keys were made moments ago, so nothing rotates.
    expect(await rotation({ source: 'aws.events', 'detail-type': 'Scheduled Event' })).toMatchObject({ outcome: 'skipped' });
    const kidsBefore = await publishedKids();
    // The operator's rotation: refused within a day of the last change unless forced.
    const refused = await runCli(['keys', 'rotate']);
    expect({ code: refused.code, out: refused.stdout }).toMatchObject({ code: 1, out: expect.stringMatching(/Not rotated: the keys changed \d+ s ago/) });
    const rotated = await runCli(['keys', 'rotate', '--force', '--json']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ outcome: 'rotated', keys: expect.arrayContaining([expect.objectContaining({ state: 'current', mode: 'local' })]) });

    const after = await tokensFor(client);
    const secondKid = decodeProtectedHeader(after.idToken).kid as string;
    expect(secondKid).not.toBe(firstKid);
    // The key that signs now was published before the rotation.
    expect(kidsBefore).toContain(secondKid);
    expect(await publishedKids()).toEqual(expect.arrayContaining([firstKid, secondKid]));
    expect(await idTokenVerifies(before.idToken, client)).toBe(true);
    expect(await userinfoStatus(before.accessToken)).toBe(200);
    const introspected = await call('POST', endpointPaths.introspection, { headers: basic(client), form: { token: before.accessToken } });
    expect(introspected.json.active).toBe(true);

    expect((await rotateSigningKeys({ store: keyRingStore(config()), factory: new LocalSigningKeyFactory(), clock: systemClock })).outcome).toBe('rotated');
    expect(await publishedKids()).not.toContain(firstKid);
    const listed = await runCli(['keys', 'list', '--json']);
    expect(JSON.parse(listed.stdout).keys.map((key: { kid: string }) => key.kid)).toEqual(expect.arrayContaining([secondKid]));
    // Ids, states and modes only: never key material.
    expect(listed.stdout).not.toMatch(/privateJwk|"d"|encryptedPrivateKey/);
    expect(await idTokenVerifies(before.idToken, client)).toBe(false);
    expect(await userinfoStatus(before.accessToken)).toBe(401);
    expect((await call('POST', endpointPaths.introspection, { headers: basic(client), form: { token: before.accessToken } })).json.active).toBe(false);
    // What the second key signed is still good: it is the previous key now.
    expect(await idTokenVerifies(after.idToken, client)).toBe(true);
    expect(await userinfoStatus(after.accessToken)).toBe(200);
  });
});
