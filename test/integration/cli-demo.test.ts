/**
 * `ciba demo` end to end, as a newcomer runs it: the CLI in its own process against the local runner's
 * HTTP server (in this process, on a free loopback port), deciding with the automated approval endpoint.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAuthRequestRepository } from '../../lambdas/adapters/dynamodb/auth-request-repository.js';
import { initialAccessTokenFile } from '../../local/options.js';
import { TEST_INITIAL_ACCESS_TOKEN } from '../support/constants.js';
import { withTable } from '../support/device.js';
import { decide, poll, registerClient, startAuthRequest } from '../support/provider.js';
import { closedPort } from '../support/receiver.js';
import { verifyTokens } from '../../cli/demo/verify-tokens.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';
import { useLocalServer } from '../support/server.js';

const served = useLocalServer();
let issuer: string;
beforeAll(() => {
  issuer = served.issuer;
});

interface DemoRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `tsx cli/main.ts demo <args>` (at most 90 s; the demo itself waits one 5 s interval per poll). */
function demo(args: readonly string[], env: Record<string, string> = {}): Promise<DemoRun> {
  const projectRoot = resolve(import.meta.dirname, '../..');
  return new Promise((done) => {
    execFile(resolve(projectRoot, 'node_modules/.bin/tsx'), ['cli/main.ts', 'demo', '--issuer', issuer, ...args], { cwd: projectRoot, timeout: 90_000, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

const PAYMENT = expect.objectContaining({ type: 'payment_initiation', instructedAmount: { currency: 'GBP', amount: '25.00' } });

describe('ciba demo', () => {
  it('--auto-approve --json: registers, sends the signed PSD2 request, polls, and verifies the tokens', { timeout: 120_000 }, async () => {
    const run = await demo(['--auto-approve', '--json', '--initial-access-token', TEST_INITIAL_ACCESS_TOKEN]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown> & { client_id: string; auth_req_id: string; binding_message: string; polls: number };
    expect(summary).toEqual(
      expect.objectContaining({
        issuer,
        outcome: 'tokens',
        login_hint: 'demo',
        token_type: 'Bearer',
        authorization_details: [PAYMENT],
        verified: { idToken: expect.arrayContaining(['at_hash', 'auth_req_id']), accessToken: expect.arrayContaining(['typ at+jwt', 'client_id']) },
      }),
    );
    expect(summary.polls).toBeGreaterThanOrEqual(1);
    expect(summary.id_token_claims).toEqual(
      expect.objectContaining({ iss: issuer, sub: 'demo', aud: summary.client_id, 'urn:openid:params:jwt:claim:auth_req_id': summary.auth_req_id, at_hash: expect.any(String) }),
    );
    expect(summary.access_token_claims).toEqual(expect.objectContaining({ iss: issuer, sub: 'demo', client_id: summary.client_id, authorization_details: [PAYMENT] }));
    // The steps went to stderr, so that stdout is the summary alone.
    expect(run.stderr).toContain(`✔ Registered client ${summary.client_id}: private_key_jwt`);

    // What the provider stored is the signed request's: the binding message and the payment the user saw.
    const stored = await withTable((dynamodb, tableName) => new DynamoDbAuthRequestRepository(sdkDynamoDb(dynamodb), tableName, { expiredRetentionSeconds: 0 }).find(summary.auth_req_id));
    expect(stored).toEqual(expect.objectContaining({ status: 'approved', clientId: summary.client_id, bindingMessage: summary.binding_message, authorizationDetails: [PAYMENT] }));
  });

  it('--auto-deny: shows the steps as plain lines (no terminal), ends with the denial and exit code 1; the token comes from npm start\'s file', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ciba-demo-'));
    writeFileSync(initialAccessTokenFile(dataDir), `${TEST_INITIAL_ACCESS_TOKEN}\n`);
    const run = await demo(['--auto-deny'], { CIBA_DATA_DIR: dataDir, CIBA_INITIAL_ACCESS_TOKEN: '' });
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`✔ Provider ${issuer} (discovery read)`);
    expect(run.stdout).toContain(`(initial access token from ${initialAccessTokenFile(dataDir)})`);
    expect(run.stdout).toMatch(/✔ Backchannel request accepted: auth_req_id [\w-]{43}, expires in \d+ s, poll every 5 s/);
    expect(run.stdout).toContain('… waiting for the decision (automated approval: deny)');
    expect(run.stdout).toContain('✖ The user denied the request (access_denied): no tokens.');
    expect(run.stdout).not.toContain('\r');
    expect(run.stdout).not.toContain('ID token claims');
  });

  it('says how to get going when the provider is not running', { timeout: 60_000 }, async () => {
    const run = await demo(['--initial-access-token', TEST_INITIAL_ACCESS_TOKEN, '--issuer', `http://127.0.0.1:${await closedPort()}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Is the provider running? Start it with: npm start');
  });
});

describe("the demo's token checks", () => {
  async function approvedTokens() {
    const client = await registerClient();
    const authReqId = await startAuthRequest(client);
    expect((await decide(authReqId, 'allow')).status).toBe(200);
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    return { clientId: client.clientId, authReqId, tokens: tokens.json as { access_token: string; id_token: string } };
  }
  const discovery = () => ({ issuer, jwks_uri: `${issuer}/jwks`, registration_endpoint: '', backchannel_authentication_endpoint: '', token_endpoint: '' });

  it('accept tokens as issued, and refuse another request, another access token, another client', async () => {
    const first = await approvedTokens();
    const second = await approvedTokens();
    await expect(verifyTokens(discovery(), first.clientId, first.authReqId, first.tokens)).resolves.toEqual(expect.objectContaining({ idToken: expect.anything() }));
    await expect(verifyTokens(discovery(), first.clientId, second.authReqId, first.tokens)).rejects.toThrow(/auth_req_id is not this request's/);
    await expect(verifyTokens(discovery(), first.clientId, first.authReqId, { ...first.tokens, access_token: second.tokens.access_token })).rejects.toThrow(/at_hash/);
    await expect(verifyTokens(discovery(), second.clientId, first.authReqId, first.tokens)).rejects.toThrow(/the ID token: .*aud/);
  });
});
