/**
 * The simulator page in a real browser (Chromium, through playwright-core): it enrolls with its own
 * WebCrypto key, receives the push, shows the payment of a backchannel request, and approves (after
 * the simulated PIN) or denies with a decision signed over exactly what it showed. The client's poll
 * and the stored evidence show that the provider accepted the browser's signatures.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, transactionHash, type Transaction } from '../../lambdas/core/device/transaction-hash.js';
import { SIMULATOR_PAGE } from '../../lambdas/core/simulator/simulator-page.js';
import { backchannel, call, poll, registerClient, type TestClient } from '../support/provider.js';
import { useOwnTable } from '../support/workers.js';
import { launchChromium, pageProblems, type Chromium } from './support/chromium.js';
import { startSimulatorEnvironment, type SimulatorEnvironment } from './support/simulator-environment.js';

// Before any handler reads the configuration: this file's own table (its workers read its stream
// only), and an acr whose policy requires user verification next to the default ones.
const tableName = useOwnTable('browser');
process.env.CIBA_ACR_POLICIES = JSON.stringify({ ciba: {}, push: {}, strong: { userVerification: 'required' } });

const TEST_TIMEOUT = 60_000;
/** A card appears within one refresh (2 s) of the request; this leaves room for a slow machine. */
const CARD_TIMEOUT = 20_000;
const RESULTS = resolve(import.meta.dirname, '../../test-results');

const PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'GBP', amount: '500.00' },
  creditorName: 'ExampleBank Savings',
  creditorAccount: { sortCode: '123456', accountNumber: '12345589' },
};
const PAYMENT_MESSAGE = 'Allow ExampleBank to transfer £500.00 from your Current account to account ending 5589?';

let chromium: Chromium | undefined;
/** Why Chromium did not start: every browser test fails with it (a skipped test would hide a missing install). */
let launchError: unknown;
let env: SimulatorEnvironment;

beforeAll(async () => {
  env = await startSimulatorEnvironment(tableName);
  mkdirSync(RESULTS, { recursive: true });
  try {
    chromium = await launchChromium();
  } catch (error) {
    launchError = error;
  }
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await env?.close();
});

interface Simulator {
  readonly page: Page;
  readonly problems: string[];
  /** The bodies of the page's POST /device/enroll calls and their answers. */
  readonly enrollments: { request: Record<string, unknown>; response: Record<string, unknown> }[];
  readonly requests: Request[];
}

async function openSimulator(): Promise<Simulator> {
  if (!chromium) throw launchError;
  const page = await chromium.context.newPage();
  page.setDefaultTimeout(CARD_TIMEOUT);
  const problems = pageProblems(page);
  const enrollments: Simulator['enrollments'] = [];
  const requests: Request[] = [];
  page.on('request', (request) => requests.push(request));
  page.on('response', (response) => {
    if (new URL(response.url()).pathname !== '/device/enroll') return;
    void response.json().then((body: Record<string, unknown>) => enrollments.push({ request: response.request().postDataJSON() as Record<string, unknown>, response: body }));
  });
  const response = await page.goto(`${env.issuer}/simulator`);
  expect(response?.status()).toBe(200);
  return { page, problems, enrollments, requests };
}

async function signIn(page: Page, username: string): Promise<void> {
  await page.locator('#login-hint').fill(username);
  await page.locator('#sign-in').click();
  await page.locator('#requests-view').waitFor({ state: 'visible' });
  await expect.poll(() => page.locator('#account-hint').textContent()).toBe(username);
}

async function paymentClient(name = 'ExampleBank'): Promise<TestClient> {
  return registerClient({ client_name: name, authorization_details_types: ['payment_initiation'] });
}

async function startRequest(client: TestClient, form: Record<string, string>): Promise<string> {
  const started = await backchannel(client, { scope: 'openid', ...form });
  expect(started.status, started.body).toBe(200);
  return String(started.json.auth_req_id);
}

function cardOf(page: Page, authReqId: string) {
  return page.locator(`li.card[data-auth-req-id="${authReqId}"]`);
}

async function idTokenClaims(tokens: Record<string, unknown>, clientId: string) {
  const keys = createLocalJWKSet((await call('GET', '/jwks')).json as never);
  return (await jwtVerify(String(tokens.id_token), keys, { issuer: env.issuer, audience: clientId })).payload;
}

/** The evidence is what the browser signed: its hash, its decision JWS (checked with the enrolled key). */
async function expectEvidence(authReqId: string, transaction: Transaction, shownHash: string | null, publicKey: unknown, amr: string[]): Promise<void> {
  const evidence = await env.evidence(authReqId);
  expect(evidence).toBeDefined();
  expect(shownHash).toBe(transactionHash(transaction));
  expect(evidence).toMatchObject({ authReqId, decision: transaction.decision, clientId: transaction.client_id, transactionHash: shownHash, transaction: canonicalJson(transaction) });
  expect(evidence?.amr).toEqual(expect.arrayContaining(['swk', ...amr]));
  expect(decodeProtectedHeader(String(evidence?.signedDecision))).toMatchObject({ alg: 'ES256', typ: 'ciba-decision+jwt', kid: evidence?.deviceId });
  const { payload } = await compactVerify(String(evidence?.signedDecision), await importJWK(publicKey as JWK, 'ES256'));
  expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ auth_req_id: authReqId, decision: transaction.decision, amr, transaction_hash: shownHash });
}

describe('the simulator page in Chromium', () => {
  it('keeps its inline script a valid script that the TypeScript template literal leaves as written', async () => {
    const source = readFileSync(resolve(import.meta.dirname, '../../lambdas/core/simulator/simulator-page.ts'), 'utf8');
    const written = /<script>([\s\S]*?)<\/script>/.exec(source)?.[1] ?? '';
    expect(written.length).toBeGreaterThan(1000);
    for (const forbidden of ['`', '${', '\\']) expect(written.includes(forbidden), `the inline script contains ${forbidden}`).toBe(false);
    const served = /<script>([\s\S]*?)<\/script>/.exec(SIMULATOR_PAGE)?.[1];
    expect(served).toBe(written);
    const dir = mkdtempSync(join(tmpdir(), 'ciba-simulator-script-'));
    try {
      writeFileSync(join(dir, 'script.js'), written);
      await promisify(execFile)(process.execPath, ['--check', join(dir, 'script.js')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    'enrolls with its own key, gets the push, shows the payment and approves with a PIN: the tokens carry the details and amr pin, the evidence is kept',
    { timeout: TEST_TIMEOUT },
    async () => {
      const username = await env.createUser();
      const { page, problems, enrollments, requests } = await openSimulator();
      await signIn(page, username);

      // Enrolled with a P-256 public key only: the private key stays in the browser.
      await expect.poll(() => enrollments.length).toBe(1);
      const enrollment = enrollments[0];
      expect(enrollment?.request).toMatchObject({ platform: 'FCM', public_key: { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) } });
      expect(Object.keys(enrollment?.request.public_key as object).sort()).toEqual(['crv', 'kty', 'x', 'y']);
      expect(enrollment?.response).toMatchObject({ sub: username });
      // Pushes reach the page (the local stand-in for SNS keeps its inbox): it registers a push token.
      const pushToken = requests.find((request) => new URL(request.url()).pathname === '/device/push-token');
      expect(pushToken?.postDataJSON()).toEqual({ push_token: expect.stringMatching(/^simulator-[\w-]+$/) });
      expect(await (await pushToken?.response())?.json()).toMatchObject({ push: 'registered' });

      const client = await paymentClient();
      const authReqId = await startRequest(client, {
        login_hint: username,
        acr_values: 'strong',
        binding_message: PAYMENT_MESSAGE,
        authorization_details: JSON.stringify([PAYMENT]),
      });

      const card = cardOf(page, authReqId);
      // The push (the local stand-in for SNS) arrives, its signature checked against /jwks; the card follows.
      await Promise.all([page.locator('.toast', { hasText: 'Push received' }).first().waitFor(), card.waitFor()]);
      await expect.poll(() => card.locator('.binding-text').textContent()).toBe(PAYMENT_MESSAGE);
      expect(await card.locator('.client-name').textContent()).toBe('ExampleBank');
      expect(await card.locator('.kicker').textContent()).toBe('Payment request');
      expect(await card.locator('.amount').textContent()).toBe('£500.00');
      expect(await card.locator('.amount-code').textContent()).toBe('GBP 500.00');
      const facts = await card.locator('.facts').innerText();
      expect(facts).toContain('ExampleBank Savings');
      expect(facts).toContain('Sort code 12-34-56, account 12345589');
      expect(await card.locator('.chip').allTextContents()).toEqual(['openid']);
      expect(await card.locator('.acr code').textContent()).toBe('strong');
      expect(await card.locator('.countdown').textContent()).toMatch(/^Expires in \d+:\d\d$/);
      await page.screenshot({ path: join(RESULTS, 'simulator-request.png'), fullPage: true });

      await card.locator('button[data-action="allow"]').click();
      await card.locator('.verify').waitFor();
      await page.screenshot({ path: join(RESULTS, 'simulator-verify.png'), fullPage: true });
      // This acr requires user verification: approving with presence only is not offered.
      expect(await card.locator('button[data-action="approve-without-verification"]').count()).toBe(0);
      await card.locator('button[data-action="confirm-pin"]').click();
      await card.locator('.outcome.approved').waitFor();
      const shownHash = await card.locator('.evidence').getAttribute('data-transaction-hash');
      expect(await card.locator('.evidence code').textContent()).toBe(`${shownHash?.slice(0, 8)}…${shownHash?.slice(-6)}`);
      // Let the toasts go, so that the screenshot shows the card as the user reads it.
      await page.locator('.toast').first().waitFor({ state: 'detached', timeout: 10_000 });
      await page.screenshot({ path: join(RESULTS, 'simulator-approved.png'), fullPage: true });

      const tokens = await poll(client, authReqId);
      expect(tokens.status, tokens.body).toBe(200);
      expect(tokens.json.authorization_details).toEqual([PAYMENT]);
      const claims = await idTokenClaims(tokens.json, client.clientId);
      expect(claims.sub).toBe(username);
      expect(claims.amr).toEqual(expect.arrayContaining(['pin', 'swk']));
      await expectEvidence(
        authReqId,
        { auth_req_id: authReqId, client_id: client.clientId, binding_message: PAYMENT_MESSAGE, authorization_details: [PAYMENT], decision: 'approve' },
        shownHash,
        enrollment?.request.public_key,
        ['pin'],
      );
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it(
    'denies with the key kept in IndexedDB across a reload, and shows client text as text: the client gets access_denied',
    { timeout: TEST_TIMEOUT },
    async () => {
      const username = await env.createUser();
      const { page, problems, enrollments, requests } = await openSimulator();
      await signIn(page, username);
      await expect.poll(() => enrollments.length).toBe(1);
      const keyLine = await page.locator('#account-device').textContent();

      // A new page load signs in with the stored key: no second enrollment, the same key.
      await page.reload();
      await signIn(page, username);
      await page.locator('#empty').waitFor({ state: 'visible' });
      expect(enrollments).toHaveLength(1);
      expect(await page.locator('#account-device').textContent()).toBe(keyLine);

      const name = 'Mallory <img src=x onerror="document.title=1">';
      const client = await paymentClient(name);
      const message = 'Sign in to Mallory <b>now</b>?';
      const authReqId = await startRequest(client, { login_hint: username, binding_message: message });
      const card = cardOf(page, authReqId);
      await card.waitFor();
      expect(await card.locator('.client-name').textContent()).toBe(name);
      expect(await card.locator('.binding-text').textContent()).toBe(message);
      expect(await card.locator('img, b').count()).toBe(0);
      expect(await card.locator('.kicker').textContent()).toBe('Sign-in request');

      await card.locator('button[data-action="deny"]').click();
      await card.locator('.outcome.denied').waitFor();
      const shownHash = await card.locator('.evidence').getAttribute('data-transaction-hash');
      expect(await page.title()).toBe('CIBA simulator · authentication device');

      const result = await poll(client, authReqId);
      expect(result.status, result.body).toBe(400);
      expect(result.json.error).toBe('access_denied');
      await expectEvidence(authReqId, { auth_req_id: authReqId, client_id: client.clientId, binding_message: message, decision: 'deny' }, shownHash, enrollments[0]?.request.public_key, ['user']);
      // Every device call carried a fresh device JWT.
      const authorizations = requests.map((request) => request.headers().authorization).filter((value): value is string => value !== undefined);
      expect(authorizations.length).toBeGreaterThan(2);
      expect(authorizations.every((value) => value.startsWith('Device '))).toBe(true);
      expect(new Set(authorizations).size).toBe(authorizations.length);
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it('enrolls again, with a new key, when the provider no longer accepts the stored one', { timeout: TEST_TIMEOUT }, async () => {
    const username = await env.createUser();
    const { page, problems, enrollments } = await openSimulator();
    await signIn(page, username);
    await expect.poll(() => enrollments.length).toBe(1);
    const firstKey = await page.locator('#account-device').textContent();
    await env.revokeDevice(String(enrollments[0]?.response.device_id));

    // The next device call gets 401: the page forgets the key, enrolls again and carries on.
    await expect.poll(() => enrollments.length, { timeout: CARD_TIMEOUT }).toBe(2);
    expect(enrollments[1]?.request.public_key).not.toEqual(enrollments[0]?.request.public_key);
    await expect.poll(() => page.locator('#account-device').textContent()).not.toBe(firstKey);
    const client = await paymentClient();
    const authReqId = await startRequest(client, { login_hint: username, binding_message: 'Sign in to ExampleBank?' });
    await cardOf(page, authReqId).waitFor();
    expect(await page.locator('#error').textContent()).toBe('');
    // The browser's own 401s are not problems of the page.
    expect(problems.filter((problem) => !problem.includes('401'))).toEqual([]);
    await page.close();
  });

  it('offers only Deny for a detail it cannot show as sent; the provider refuses a decision over an altered view', { timeout: TEST_TIMEOUT }, async () => {
    const username = await env.createUser();
    const { page, problems } = await openSimulator();
    await signIn(page, username);
    // The list is altered on its way to the page: a payment member the page does not know.
    await page.route('**/device/auth-requests', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { auth_requests: Record<string, unknown>[] };
      for (const request of body.auth_requests) {
        request.authorization_details = (request.authorization_details as Record<string, unknown>[]).map((detail) => ({ ...detail, chargeBearer: 'SHAR' }));
      }
      await route.fulfill({ response, json: body });
    });
    const client = await paymentClient();
    const authReqId = await startRequest(client, { login_hint: username, authorization_details: JSON.stringify([PAYMENT]) });
    const card = cardOf(page, authReqId);
    await card.waitFor();
    expect(await card.locator('.card-note').textContent()).toContain('offers Deny only');
    expect(await card.locator('.facts').innerText()).toContain('SHAR');
    expect(await card.locator('button[data-action="allow"]').count()).toBe(0);

    // Denying signs the altered transaction: the provider's stored hash does not match it.
    await card.locator('button[data-action="deny"]').click();
    await expect.poll(() => card.locator('.card-error').textContent()).toContain('other transaction details');
    const result = await poll(client, authReqId);
    expect(result.json.error, result.body).toBe('authorization_pending');
    expect(await env.evidence(authReqId)).toBeUndefined();
    expect(problems.filter((problem) => !problem.includes('400'))).toEqual([]);
    await page.close();
  });

  it('approves without a PIN when the request does not require user verification: amr user', { timeout: TEST_TIMEOUT }, async () => {
    const username = await env.createUser();
    const { page, problems } = await openSimulator();
    await signIn(page, username);
    const client = await paymentClient();
    const authReqId = await startRequest(client, { login_hint: username, authorization_details: JSON.stringify([PAYMENT]) });
    const card = cardOf(page, authReqId);
    await card.locator('button[data-action="allow"]').click();
    await card.locator('button[data-action="approve-without-verification"]').click();
    await card.locator('.outcome.approved').waitFor();
    const tokens = await poll(client, authReqId);
    expect(tokens.status, tokens.body).toBe(200);
    const claims = await idTokenClaims(tokens.json, client.clientId);
    expect(claims.amr).toEqual(['swk', 'user']);
    expect(problems).toEqual([]);
    await page.close();
  });
});
