/**
 * The operator's CLI (cli/main.ts) on DynamoDB Local, run as a person runs it (`tsx cli/main.ts …`),
 * with what each command changes checked where it matters: at the provider's endpoints.
 * On a table of its own, so that `clients list` holds this file's clients only.
 */
// Warm functions may trust a client record for CIBA_CLIENT_CACHE_SECONDS; these handlers must see a
// rotation or a deletion at once (read by lambdas/config.ts on first use, before any handler runs).
process.env.CIBA_CLIENT_CACHE_SECONDS = '0';

import { randomBytes, randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAuthRequestRepository } from '../../lambdas/adapters/dynamodb/auth-request-repository.js';
import { DynamoDbDeadLetterRepository } from '../../lambdas/adapters/dynamodb/dead-letter-repository.js';
import { DynamoDbUserDirectory } from '../../lambdas/adapters/dynamodb/user-directory.js';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { userCodeMatches } from '../../lambdas/core/secrets/user-code-hash.js';
import { TEST_ISSUER } from '../support/constants.js';
import { runCli, withTable } from '../support/device.js';
import { backchannel, basic, call, decide, expectError, poll, registerClient, startAuthRequest } from '../support/provider.js';
import { createOwnTable, useOwnTable } from '../support/workers.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

useOwnTable('cli');
beforeAll(() => createOwnTable(process.env.CIBA_TABLE_NAME as string));

const CLI_TIMEOUT = { timeout: 120_000 };

async function cliJson(args: readonly string[]): Promise<Record<string, unknown>> {
  const result = await runCli(['--json', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('clients', () => {
  it('create, list and show: the registered clients, without their secrets', CLI_TIMEOUT, async () => {
    const created = await cliJson(['clients', 'create', '--name', 'POS terminal', '--auth-method', 'client_secret_post']);
    const registered = await registerClient({ client_name: 'Registered' });
    const secret = String(created.client_secret);

    const listed = (await cliJson(['clients', 'list'])) as unknown as Record<string, unknown>[];
    expect(listed.map((client) => client.client_id)).toEqual(expect.arrayContaining([created.client_id, registered.clientId]));
    expect(listed.find((client) => client.client_id === created.client_id)).toEqual(
      expect.objectContaining({ client_name: 'POS terminal', token_endpoint_auth_method: 'client_secret_post', backchannel_token_delivery_mode: 'poll' }),
    );
    const human = await runCli(['clients', 'list']);
    expect(human.stdout).toMatch(new RegExp(`^CLIENT_ID\\s+REGISTERED`));
    expect(human.stdout).toContain(String(created.client_id));
    for (const output of [JSON.stringify(listed), human.stdout]) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain('secretHash');
    }

    const shown = await cliJson(['clients', 'show', '--', registered.clientId]);
    expect(shown).toEqual(expect.objectContaining({ client_id: registered.clientId, client_name: 'Registered' }));
    expect(shown).not.toHaveProperty('secretHash');
    const unknown = await runCli(['clients', 'show', 'no-such-client']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no client no-such-client');
  });

  it('rotate-secret: the new secret authenticates at once, the old one no longer does', CLI_TIMEOUT, async () => {
    const client = await registerClient();
    expect((await backchannel(client, { scope: 'openid', login_hint: 'jane.doe' })).status).toBe(200);

    const rotated = await cliJson(['clients', 'rotate-secret', '--', client.clientId]);
    expect(rotated).toEqual({ client_id: client.clientId, client_secret: expect.stringMatching(/^[\w-]{43}$/), client_secret_expires_at: 0 });
    expectError(await backchannel(client, { scope: 'openid', login_hint: 'jane.doe' }), 401, 'invalid_client');
    const renewed = { ...client, clientSecret: String(rotated.client_secret) };
    expect((await backchannel(renewed, { scope: 'openid', login_hint: 'jane.doe' })).status).toBe(200);

    const human = await runCli(['clients', 'rotate-secret', client.clientId]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/client_secret {2}[\w-]{43} {3}\(shown once; only its hash is stored\)/);
    expect(human.stdout).toContain('The old secret no longer authenticates');
  });

  it('rotate-secret refuses a private_key_jwt client, which has no secret', CLI_TIMEOUT, async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: randomUUID() }] };
    const client = await registerClient({ token_endpoint_auth_method: 'private_key_jwt', jwks });
    const result = await runCli(['clients', 'rotate-secret', '--', client.clientId]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('authenticates with private_key_jwt: it has no secret');
  });

  it('delete: issued access tokens stay valid until they expire, the refresh token stops working, and the output says so', CLI_TIMEOUT, async () => {
    const client = await registerClient({ grant_types: [CIBA_GRANT_TYPE, 'refresh_token'] });
    const authReqId = await startAuthRequest(client, { scope: 'openid offline_access' });
    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);

    const deleted = await runCli(['clients', 'delete', '--', client.clientId]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Client ${client.clientId} deleted.`);
    expect(deleted.stdout).toContain('Tokens already issued to it stay valid until they expire');
    expect(deleted.stdout).toContain('Its refresh tokens and pending requests stop working');

    const refreshed = await call('POST', '/token', { headers: basic(client), form: { grant_type: 'refresh_token', refresh_token: String(tokens.json.refresh_token) } });
    expectError(refreshed, 401, 'invalid_client');
    const keys = createLocalJWKSet((await call('GET', '/jwks')).json as unknown as JSONWebKeySet);
    await expect(jwtVerify(String(tokens.json.access_token), keys, { issuer: TEST_ISSUER })).resolves.toBeDefined();

    expect((await cliJson(['clients', 'list'])) as unknown as Record<string, unknown>[]).not.toContainEqual(expect.objectContaining({ client_id: client.clientId }));
    const again = await runCli(['--json', 'clients', 'delete', '--', client.clientId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no client ${client.clientId}`);
  });
});

describe('users and devices', () => {
  it('users create, set-user-code and unlock change the stored user', CLI_TIMEOUT, async () => {
    const username = `cli-${randomUUID().slice(0, 8)}`;
    expect(await cliJson(['users', 'create', username, '--name', 'Cli User', '--email', `${username}@example.com`])).toEqual({
      sub: username,
      username,
      claims: { name: 'Cli User', email: `${username}@example.com`, email_verified: false },
    });
    const stored = () => withTable((dynamodb, tableName) => new DynamoDbUserDirectory(sdkDynamoDb(dynamodb), tableName).findByLoginHint(username));

    expect(await cliJson(['users', 'set-user-code', username, '4711'])).toEqual({ sub: username, user_code_set: true });
    expect(await userCodeMatches('4711', (await stored())?.userCodeHash ?? '')).toBe(true);

    const user = await stored();
    await withTable((dynamodb, tableName) => new DynamoDbUserDirectory(sdkDynamoDb(dynamodb), tableName).replaceUser({ ...(user as NonNullable<typeof user>), lockedUntil: Date.now() + 600_000 }));
    expect((await stored())?.lockedUntil).toBeGreaterThan(Date.now());
    expect(await cliJson(['users', 'unlock', username])).toEqual({ sub: username, unlocked: true });
    expect((await stored())?.lockedUntil).toBeUndefined();
    expect(await userCodeMatches('4711', (await stored())?.userCodeHash ?? '')).toBe(true);
  });

  it('devices enroll-code issues a one-time code that enrolls a device, which devices list then shows', CLI_TIMEOUT, async () => {
    const username = `cli-${randomUUID().slice(0, 8)}`;
    await cliJson(['users', 'create', username]);
    const enrollment = await cliJson(['devices', 'enroll-code', username, '--issuer', TEST_ISSUER]);
    expect(enrollment.enrollment_uri).toBe(`ciba-enroll://enroll?${new URLSearchParams({ issuer: TEST_ISSUER, code: String(enrollment.enrollment_code) }).toString()}`);

    const { publicKey } = await generateKeyPair('ES256');
    const { kty, crv, x, y } = await exportJWK(publicKey);
    const enroll = () =>
      call('POST', '/device/enroll', { json: { enrollment_code: enrollment.enrollment_code, public_key: { kty, crv, x, y }, platform: 'FCM', push_token: `token-${randomUUID()}`, display_name: 'Cli phone' } });
    const enrolled = await enroll();
    expect(enrolled.status, enrolled.body).toBe(201);
    expect((await enroll()).status).not.toBe(201);

    const listed = (await cliJson(['devices', 'list', username])) as unknown as Record<string, unknown>[];
    expect(listed).toEqual([expect.objectContaining({ deviceId: enrolled.json.device_id, status: 'active', displayName: 'Cli phone' })]);

    const human = await runCli(['users', 'enroll-code', username]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('ciba-enroll://enroll?');
  });
});

describe('requests show', () => {
  it('shows the request with its delivery record and dead letter, and no secret', CLI_TIMEOUT, async () => {
    const authReqId = randomBytes(32).toString('base64url');
    const now = Date.now();
    const notificationToken = `secret-${randomUUID()}`;
    await withTable(async (dynamodb, tableName) => {
      const requests = new DynamoDbAuthRequestRepository(sdkDynamoDb(dynamodb), tableName, { expiredRetentionSeconds: 86_400 });
      await requests.create({
        authReqId,
        clientId: 'client-1',
        sub: 'jane.doe',
        scope: 'openid',
        bindingMessage: 'Pay £5 to Example?',
        deliveryMode: 'ping',
        notificationEndpoint: 'https://client.example/cb',
        notificationToken,
        createdAt: now,
        expiresAt: now + 300_000,
        interval: 5,
        status: 'approved',
        decidedAt: now,
        pollCount: 0,
        pollTimes: [],
      });
      await requests.recordDelivery(authReqId, { status: 'failed', attempts: 4, lastResult: 'HTTP 503', at: now });
      await new DynamoDbDeadLetterRepository(sdkDynamoDb(dynamodb), tableName).record({ authReqId, clientId: 'client-1', deliveryMode: 'ping', endpoint: 'https://client.example/cb', attempts: 4, lastResult: 'HTTP 503', failedAt: now });
    });

    const report = await cliJson(['requests', 'show', '--', authReqId]);
    expect(report).toEqual(
      expect.objectContaining({
        authReqId,
        status: 'approved',
        delivery: { status: 'failed', attempts: 4, lastResult: 'HTTP 503', at: now },
        deadLetter: expect.objectContaining({ authReqId, attempts: 4, lastResult: 'HTTP 503' }),
      }),
    );
    expect(report).not.toHaveProperty('evidence');

    const human = await runCli(['requests', 'show', '--', authReqId]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`Authentication request ${authReqId}`);
    expect(human.stdout).toMatch(/Delivery\n {2}status +failed after 4 attempt\(s\), last: HTTP 503/);
    expect(human.stdout).toContain(`(ciba dead-letters redrive ${authReqId})`);
    expect(human.stdout).toContain('Evidence\n  none');
    for (const output of [JSON.stringify(report), human.stdout]) expect(output).not.toContain(notificationToken);
  });
});

describe('the command line', () => {
  it('answers a missing argument or an unknown command with the usage and exit code 2', CLI_TIMEOUT, async () => {
    for (const args of [['clients', 'rotate-secret'], ['dead-letters', 'redrive'], ['clients', 'frobnicate']]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('ciba clients rotate-secret <client_id>');
      expect(result.stderr).toContain('ciba demo [--user demo]');
    }
  });
});
