/**
 * Talking to the provider in tests: every call goes through the local runner's `dispatch`, which
 * builds the same API Gateway proxy event AWS sends and calls the real Lambda handler, on DynamoDB Local.
 */
import { expect } from 'vitest';
import type { Feature } from '../../lambdas/routes.js';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { dispatch } from '../../local/router.js';
import { TEST_INITIAL_ACCESS_TOKEN } from './constants.js';

export const ALL_FEATURES: ReadonlySet<Feature> = new Set<Feature>(['simulator', 'automatedApproval']);

export interface CallOptions {
  readonly headers?: Record<string, string | string[]>;
  /** Form parameters, as pairs so that a test can repeat one. */
  readonly form?: Record<string, string> | [string, string][];
  readonly json?: unknown;
  /** A raw body, sent as is (with whatever Content-Type `headers` gives). */
  readonly body?: string;
  readonly features?: ReadonlySet<Feature>;
}

export interface CallResult {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly json: Record<string, unknown>;
}

export async function call(method: string, url: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string | string[]> = {};
  let body = options.body;
  if (options.form !== undefined) {
    const pairs = Array.isArray(options.form) ? options.form : Object.entries(options.form);
    body = new URLSearchParams(pairs).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  const response = await dispatch({ method, url, headers, body }, options.features ?? ALL_FEATURES);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    // not JSON (the simulator page): tests read `body`
  }
  return { ...response, headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v])), json };
}

/** Asserts an OAuth error response: status, error code, JSON and Cache-Control: no-store. */
export function expectError(result: CallResult, status: number, error: string): void {
  expect({ status: result.status, error: result.json.error }).toEqual({ status, error });
  expect(result.headers['content-type']).toMatch(/^application\/json/);
  expect(result.headers['cache-control']).toBe('no-store');
  expect(Object.keys(result.json).every((key) => key === 'error' || key === 'error_description')).toBe(true);
}

export interface TestClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly registration: Record<string, unknown>;
}

export async function registerClient(metadata: Record<string, unknown> = {}): Promise<TestClient> {
  const result = await call('POST', '/register', {
    headers: { authorization: `Bearer ${TEST_INITIAL_ACCESS_TOKEN}` },
    json: { client_name: 'Test client', backchannel_token_delivery_mode: 'poll', ...metadata },
  });
  expect(result.status, result.body).toBe(201);
  return { clientId: String(result.json.client_id), clientSecret: String(result.json.client_secret), registration: result.json };
}

/** A client registered for the authorization code grant only: the CIBA endpoints must refuse it. */
export function registerNonCibaClient(): Promise<TestClient> {
  return registerClient({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: ['https://localhost/cb'],
    backchannel_token_delivery_mode: undefined,
  });
}

export function basic(client: TestClient, secret = client.clientSecret): Record<string, string> {
  const credentials = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(secret)}`;
  return { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}

export function backchannel(client: TestClient, form: Record<string, string> | [string, string][]): Promise<CallResult> {
  return call('POST', '/bc-authorize', { headers: basic(client), form });
}

/** A successful backchannel request for jane.doe; returns the auth_req_id. */
export async function startAuthRequest(client: TestClient, form: Record<string, string> = {}): Promise<string> {
  const result = await backchannel(client, { scope: 'openid', login_hint: 'jane.doe', ...form });
  expect(result.status, result.body).toBe(200);
  return String(result.json.auth_req_id);
}

export function poll(client: TestClient, authReqId: string): Promise<CallResult> {
  return call('POST', '/token', { headers: basic(client), form: { grant_type: CIBA_GRANT_TYPE, auth_req_id: authReqId } });
}

/** The automated approval hook (the conformance suite's automated_ciba_approval_url). */
export async function decide(authReqId: string, action: 'allow' | 'deny'): Promise<CallResult> {
  return call('POST', `/test/ciba/approve?auth_req_id=${encodeURIComponent(authReqId)}&action=${action}`);
}

/** A whole poll flow of `client`: its backchannel request (`form`), approved, then redeemed: the 200 token response. */
export async function cibaTokens(client: TestClient, form: Record<string, string> = { scope: 'openid offline_access' }): Promise<CallResult> {
  const authReqId = await startAuthRequest(client, form);
  expect((await decide(authReqId, 'allow')).status).toBe(200);
  const tokens = await poll(client, authReqId);
  expect(tokens.status, tokens.body).toBe(200);
  return tokens;
}

/** The refresh token of a new grant of `client` (its client must have the refresh_token grant). */
export async function newRefreshToken(client: TestClient, form?: Record<string, string>): Promise<string> {
  const tokens = await cibaTokens(client, form);
  expect(tokens.json.refresh_token, tokens.body).toEqual(expect.any(String));
  return String(tokens.json.refresh_token);
}

/** The refresh_token grant at the token endpoint, with client_secret_basic. */
export function refresh(client: TestClient, refreshToken: string, form: Record<string, string> = {}): Promise<CallResult> {
  return call('POST', '/token', { headers: basic(client), form: { grant_type: 'refresh_token', refresh_token: refreshToken, ...form } });
}
