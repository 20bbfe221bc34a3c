/**
 * JWTs a client makes, for tests: client keys, signed authentication requests (CIBA Core §7.1.1),
 * private_key_jwt assertions (RFC 7523), login_hint_tokens, hand-built malformed tokens; plus the test
 * users and self-signed certificates those tests need. Every helper only adds to test/support/provider.ts.
 */
import { execFileSync } from 'node:child_process';
import { KeyObject, createPrivateKey, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { expect, inject } from 'vitest';
import { DynamoDbUserDirectory } from '../../lambdas/adapters/dynamodb/user-directory.js';
import { JWT_BEARER_ASSERTION } from '../../lambdas/core/client-authentication/read-client-credentials.js';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { hashUserCode } from '../../lambdas/core/secrets/user-code-hash.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { TEST_ISSUER, TEST_TABLE_NAME } from './constants.js';
import { basic, call, decide, type CallResult, type TestClient } from './provider.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

export type ClientAlg = 'ES256' | 'PS256' | 'RS256' | 'EdDSA';

/** A client's key pair: the private key to sign with, the public JWK to register. */
export interface ClientKey {
  readonly alg: ClientAlg;
  readonly kid: string | undefined;
  /** A KeyObject, not a CryptoKey: a CryptoKey is bound to one algorithm, and tests sign PS256 keys with RS256. */
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A fresh key for `alg` (PS256 and RS256 both make an RSA key), with a random kid unless `kid` is null. */
export async function generateClientKey(alg: ClientAlg, kid: string | null = randomUUID()): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), use: 'sig', ...(kid !== null ? { kid } : {}) };
  return { alg, kid: kid ?? undefined, privateKey: KeyObject.from(privateKey), publicJwk };
}

/** The same key pair used with another algorithm (an RSA key signs PS256 and RS256 alike). */
export function withAlg(key: ClientKey, alg: ClientAlg): ClientKey {
  return { ...key, alg };
}

export function jwks(...keys: ClientKey[]): { keys: JWK[] } {
  return { keys: keys.map((key) => key.publicJwk) };
}

export interface SignOptions {
  /** Header members to set or, with undefined, to leave out (e.g. `{ kid: undefined, typ: undefined }`). */
  readonly header?: Record<string, unknown>;
}

/** Signs `payload` as a compact JWS with the key; the header has alg, the key's kid and whatever `header` says. */
export async function signJwt(payload: JWTPayload, key: ClientKey, options: SignOptions = {}): Promise<string> {
  const header: Record<string, unknown> = { alg: key.alg, ...(key.kid !== undefined ? { kid: key.kid } : {}), ...options.header };
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name];
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

const encodePart = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS-shaped token built by hand, with the signature part given (empty for alg none). */
export function handBuiltJwt(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  return `${encodePart(header)}.${encodePart(payload)}.${signature}`;
}

/**
 * The token with one character of its signature changed. A character in the middle, not the last
 * one: the last base64url character of a signature can carry only padding bits.
 */
export function tamperSignature(token: string): string {
  const parts = token.split('.');
  const signature = parts[2] ?? '';
  const at = Math.floor(signature.length / 2);
  parts[2] = `${signature.slice(0, at)}${signature[at] === 'A' ? 'B' : 'A'}${signature.slice(at + 1)}`;
  return parts.join('.');
}

/** Claim names to leave out of a JWT the helpers below build. */
export type Omitted = readonly string[];

function withoutClaims(claims: Record<string, unknown>, omit: Omitted): JWTPayload {
  const payload = { ...claims };
  for (const name of omit) delete payload[name];
  return payload as JWTPayload;
}

/**
 * The claims of a valid signed authentication request for `client` (aud, iss, exp 5 min, iat, nbf, jti)
 * plus scope openid and login_hint jane.doe; `claims` overrides or adds, `omit` removes.
 */
export function requestObjectClaims(client: TestClient, claims: Record<string, unknown> = {}, omit: Omitted = []): JWTPayload {
  const now = nowSeconds();
  return withoutClaims(
    { aud: TEST_ISSUER, iss: client.clientId, exp: now + 300, iat: now, nbf: now, jti: randomUUID(), scope: 'openid', login_hint: 'jane.doe', ...claims },
    omit,
  );
}

/** A signed authentication request (typ oauth-authz-req+jwt unless the header says otherwise). */
export function requestObject(client: TestClient, key: ClientKey, claims: Record<string, unknown> = {}, options: SignOptions & { omit?: Omitted } = {}): Promise<string> {
  return signJwt(requestObjectClaims(client, claims, options.omit), key, { header: { typ: 'oauth-authz-req+jwt', ...options.header } });
}

/** POST /bc-authorize with `request=` (and any extra form pairs), authenticating with client_secret_basic. */
export function signedBackchannel(client: TestClient, request: string, extra: [string, string][] = []): Promise<CallResult> {
  return call('POST', '/bc-authorize', { headers: basic(client), form: [['request', request], ...extra] });
}

/** A private_key_jwt client assertion (RFC 7523 §3): iss = sub = client_id, aud the token endpoint, exp 1 min. */
export function clientAssertion(client: TestClient, key: ClientKey, claims: Record<string, unknown> = {}, options: SignOptions & { omit?: Omitted } = {}): Promise<string> {
  const now = nowSeconds();
  const payload = withoutClaims({ iss: client.clientId, sub: client.clientId, aud: `${TEST_ISSUER}/token`, exp: now + 60, iat: now, jti: randomUUID(), ...claims }, options.omit ?? []);
  return signJwt(payload, key, options);
}

export function assertionForm(assertion: string): [string, string][] {
  return [
    ['client_assertion_type', JWT_BEARER_ASSERTION],
    ['client_assertion', assertion],
  ];
}

/** POST /bc-authorize authenticating with a private_key_jwt assertion; `form` holds the request's own parameters. */
export function backchannelWithAssertion(assertion: string, form: [string, string][]): Promise<CallResult> {
  return call('POST', '/bc-authorize', { form: [...assertionForm(assertion), ...form] });
}

/** POST /token (CIBA grant) authenticating with a private_key_jwt assertion. */
export function pollWithAssertion(assertion: string, authReqId: string): Promise<CallResult> {
  return call('POST', '/token', { form: [...assertionForm(assertion), ['grant_type', CIBA_GRANT_TYPE], ['auth_req_id', authReqId]] });
}

/** POST /token (CIBA grant) authenticating with client_secret_post. */
export function pollWithPost(client: TestClient, authReqId: string): Promise<CallResult> {
  return call('POST', '/token', {
    form: [
      ['client_id', client.clientId],
      ['client_secret', client.clientSecret],
      ['grant_type', CIBA_GRANT_TYPE],
      ['auth_req_id', authReqId],
    ],
  });
}

/** The auth_req_id of a 200 backchannel response, asserting the 200. */
export function authReqIdOf(result: CallResult): string {
  expect(result.status, result.body).toBe(200);
  expect(result.json.auth_req_id).toEqual(expect.any(String));
  return String(result.json.auth_req_id);
}

/** Approves the request with the automated approval hook, then polls once with `poll`, asserting 200. */
export async function approveAndRedeem(authReqId: string, poll: () => Promise<CallResult>): Promise<CallResult> {
  const decided = await decide(authReqId, 'allow');
  expect(decided.status, decided.body).toBe(200);
  const tokens = await poll();
  expect(tokens.status, tokens.body).toBe(200);
  return tokens;
}

/** The claims of the token response's ID token, verified against the provider's /jwks for `clientId`. */
export async function idTokenClaims(tokens: CallResult, clientId: string): Promise<JWTPayload> {
  const keys = createLocalJWKSet((await call('GET', '/jwks')).json as never);
  const { payload } = await jwtVerify(String(tokens.json.id_token), keys, { issuer: TEST_ISSUER, audience: clientId });
  return payload;
}

/** A login_hint_token (CIBA Core §7.1) naming the user by the RFC 9493 subject identifier `subId`, exp 5 min. */
export function loginHintToken(key: ClientKey, subId: Record<string, unknown>, claims: Record<string, unknown> = {}, options: SignOptions = {}): Promise<string> {
  return signJwt({ sub_id: subId, iat: nowSeconds(), exp: nowSeconds() + 300, ...claims } as JWTPayload, key, options);
}

export const randomName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 12)}`;

/** Creates a user in the test table (sub = username) and returns its username. */
export async function createTestUser(options: { claims?: Record<string, unknown>; userCode?: string; username?: string } = {}): Promise<string> {
  const username = options.username ?? randomName('user');
  const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
  try {
    await new DynamoDbUserDirectory(sdkDynamoDb(dynamodb), TEST_TABLE_NAME).createUser({
      sub: username,
      username,
      claims: options.claims ?? {},
      ...(options.userCode !== undefined ? { userCodeHash: await hashUserCode(options.userCode) } : {}),
    });
  } finally {
    dynamodb.destroy();
  }
  return username;
}

/** A self-signed certificate from openssl and its private key. */
export interface SelfSignedCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly privateKey: KeyObject;
}

/** Makes a self-signed certificate with openssl: an RSA 2048 key, or an EC P-256 key. */
export function selfSignedCertificate(keyType: 'rsa' | 'ec' = 'rsa', subject = '/CN=ciba-test-client'): SelfSignedCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'ciba-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certificateFile = join(dir, 'certificate.pem');
    const newKey = keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    execFileSync('openssl', ['req', '-x509', ...newKey, '-nodes', '-keyout', keyFile, '-out', certificateFile, '-days', '2', '-subj', subject], { stdio: 'pipe', timeout: 30_000 });
    const privateKeyPem = readFileSync(keyFile, 'utf8');
    return { certificatePem: readFileSync(certificateFile, 'utf8'), privateKeyPem, privateKey: createPrivateKey(privateKeyPem) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
