/**
 * A reference external authentication service: the other side of the provider's `external` channel
 * (docs/external-service.md, docs/external-service.openapi.yaml). It is what an operator's own
 * service (a card-reader bridge, an SMS OTP service, a bank app backend) has to implement, at its
 * smallest, and a test double for the provider's tests.
 *
 * - `POST /verify-user`: can this user be authenticated here? From an in-memory user list.
 * - `POST /start-authentication`: remembers the request and its callback. It reaches nobody: the
 *   operator (or a test) decides through the control API, which calls the provider's callback with
 *   the stored per-request credential.
 * - Both are authenticated with HTTP Basic (configured credentials), or with a Bearer JWT signed by
 *   the provider (ES256, verified against the provider's JWKS: iss, aud, exp, a lifetime of at most
 *   60 s, and each jti once).
 *
 * The control API is unauthenticated: keep the service on loopback (the default).
 *   GET  /authentications                     the started authentications, with their callback
 *   GET  /authentications/{auth_req_id}
 *   POST /authentications/{auth_req_id}/accept  {scope?, claims?, acr?, amr?, reason?, credential?}
 *   POST /authentications/{auth_req_id}/reject  {reason?, credential?}
 *        -> calls the provider's callback and answers with the provider's status and body
 *           (502 provider_unreachable when there is no answer)
 *   GET  /calls                               every verify-user and start-authentication call received
 *   GET  /control                             down, users, failure scripts
 *   POST /control/down, /control/up           while down, verify-user and start-authentication answer 503
 *   POST /control/start-failures              {"answers": [503, "drop", {"delayMs": 4000}]} or {"count": 2, "status": 503}
 *   POST /control/verify-failures             the same, for verify-user
 *   PUT  /control/users/{sub}                 {"allowed"?: boolean, "reason"?: string}
 *   DELETE /control/users/{sub}
 *
 * Run it with `npx tsx examples/reference-external-service/server.ts` (settings: options.ts, README.md).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { readReferenceServiceOptions } from './options.js';

// ---------------------------------------------------------------------------------------------------
// Options and state

export interface ReferenceUser {
  readonly sub: string;
  /** false: the service knows the user but will not authenticate them (e.g. the account is blocked). */
  readonly allowed: boolean;
  /** Sent as `reason` with `not_allowed`. */
  readonly reason?: string;
}

/**
 * One scripted answer to a verify-user or start-authentication call, used before the normal handling:
 * an HTTP status (answered at once, nothing started), `drop` (the connection is closed without an
 * answer: a network error for the provider), or a delay after which the call is handled normally
 * (longer than the provider's timeout, it makes the provider give up and retry).
 */
export type ScriptedAnswer = number | 'drop' | { readonly delayMs: number };

export interface JwtAuthOptions {
  /** The provider's issuer identifier: the `iss` the JWTs must carry. */
  readonly issuer: string;
  /** Default: `{issuer}/jwks`. */
  readonly jwksUrl?: string;
  /** The `aud` the JWTs must carry. Default: the service's public URL (the provider's CIBA_EXTERNAL_SERVICE_URL). */
  readonly audience?: string;
  /** Default 30 s, as the provider allows its clients. */
  readonly clockToleranceSeconds?: number;
  /** The longest exp - iat accepted. Default 60 s (the contract's). */
  readonly maxLifetimeSeconds?: number;
  /** Refuse a jti already seen while its token is valid. Default true. */
  readonly rejectReplayedJti?: boolean;
}

export interface ReferenceServiceOptions {
  /** 0 (the default): any free port. */
  readonly port?: number;
  /** Default 127.0.0.1: the control API is unauthenticated. */
  readonly host?: string;
  /**
   * The base URL the provider calls (its CIBA_EXTERNAL_SERVICE_URL), without a trailing slash; the
   * default JWT audience. Default: http://{host}:{port}.
   */
  readonly publicUrl?: string;
  readonly users?: readonly ReferenceUser[];
  /** HTTP Basic: the credentials the provider must send. */
  readonly basic?: { readonly username: string; readonly password: string };
  /** Bearer JWTs signed by the provider. */
  readonly jwt?: JwtAuthOptions;
  /** Start-authentication's failure script; a number n is n × 503. */
  readonly startFailures?: number | readonly ScriptedAnswer[];
  readonly verifyFailures?: number | readonly ScriptedAnswer[];
  /** How long the control API waits for the provider's callback answer. Default 5000 ms. */
  readonly callbackTimeoutMs?: number;
  /** One line per event; default silent. */
  readonly log?: (line: string) => void;
}

/** What the provider sends to start-authentication (docs/external-service.openapi.yaml, StartAuthenticationRequest). */
export interface StartAuthenticationRequest {
  readonly auth_req_id: string;
  readonly sub: string;
  readonly login_hint?: string;
  readonly client_id: string;
  readonly client_name?: string;
  readonly scope: string;
  readonly binding_message?: string;
  readonly authorization_details?: readonly unknown[];
  readonly acr?: string;
  readonly openbanking_intent_id?: string;
  readonly expires_at: string;
  readonly callback: { readonly url: string; readonly credential: string };
}

/** One call of the control API to the provider's callback, and what the provider answered. */
export interface CallbackAttempt {
  readonly at: string;
  readonly sent: Readonly<Record<string, unknown>>;
  /** The provider's status, or `unreachable`. */
  readonly status: number | 'unreachable';
  readonly body: string;
}

export interface StartedAuthentication {
  /** The latest start-authentication body received for this auth_req_id. */
  request: StartAuthenticationRequest;
  readonly startedAt: string;
  /** How many start-authentication calls named this auth_req_id (the provider retries). */
  starts: number;
  /** `accepted` / `rejected` once the provider confirmed the callback (200). */
  status: 'pending' | 'accepted' | 'rejected';
  readonly callbacks: CallbackAttempt[];
}

export type Operation = 'verify-user' | 'start-authentication';

/** One verify-user or start-authentication call, as received and answered. */
export interface ReceivedCall {
  readonly operation: Operation;
  readonly at: string;
  /** How the caller authenticated; `unchecked` when a down switch or a script answered first. */
  readonly auth: 'basic' | 'jwt' | 'refused' | 'unchecked';
  /** The verified JWT's claims (JWT auth). */
  readonly jwtClaims?: JWTPayload;
  /** The parsed body, when it was JSON. */
  readonly body?: unknown;
  /** What the service answered: a status, or `drop`. */
  readonly answer: number | 'drop';
}

export interface ReferenceServiceState {
  /** While true, verify-user and start-authentication answer 503. */
  down: boolean;
  readonly users: Map<string, ReferenceUser>;
  readonly authentications: Map<string, StartedAuthentication>;
  readonly calls: ReceivedCall[];
  /** Consumed from the front, one per call. */
  startFailures: ScriptedAnswer[];
  verifyFailures: ScriptedAnswer[];
}

export interface ReferenceService {
  /** http://{host}:{port}, without a trailing slash. */
  readonly url: string;
  /** The base URL the provider is expected to use (options.publicUrl, else `url`). */
  readonly publicUrl: string;
  readonly state: ReferenceServiceState;
  stop(): Promise<void>;
}

export const MAX_BODY_BYTES = 64 * 1024;
const REALM = 'reference-external-service';

// ---------------------------------------------------------------------------------------------------
// HTTP helpers

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(description);
  }
}

function send(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (response.headersSent || response.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, { 'cache-control': 'no-store', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
  response.end(text);
}

function sendError(response: ServerResponse, error: HttpError): void {
  send(response, error.status, { error: error.error, error_description: error.message }, error.headers);
}

/** The whole body as UTF-8; 413 past MAX_BODY_BYTES. */
async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'invalid_request', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON object body; an empty body is `{}` when `emptyAllowed`. */
function parseObject(text: string, contentType: string | undefined, emptyAllowed: boolean): Record<string, unknown> {
  if (text.trim() === '' && emptyAllowed) return {};
  if (contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new HttpError(400, 'invalid_request', 'the body must be application/json');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_request', 'the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'invalid_request', 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

const invalid = (description: string): HttpError => new HttpError(400, 'invalid_request', description);

function requiredString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw invalid(`${name} must be a non-empty string`);
  return value;
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  return value;
}

function rejectUnknownMembers(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) throw invalid(`unknown member(s): ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`);
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
const sameSecret = (given: string, expected: string): boolean => timingSafeEqual(digest(given), digest(expected));

function httpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${name} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(`${name} must be an http(s) URL`);
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Validation of the provider's calls

interface VerifyUserRequest {
  readonly sub: string;
  readonly login_hint?: string;
  readonly client_id: string;
  readonly client_name?: string;
  readonly scope: string;
  readonly acr?: string;
  readonly binding_message?: string;
  readonly openbanking_intent_id?: string;
}

/** Members are checked for type; members this version does not know are ignored (the contract may grow). */
function readVerifyUser(body: Record<string, unknown>): VerifyUserRequest {
  const request: VerifyUserRequest = {
    sub: requiredString(body, 'sub'),
    client_id: requiredString(body, 'client_id'),
    scope: requiredString(body, 'scope'),
  };
  const optional: Record<string, string> = {};
  for (const name of ['login_hint', 'client_name', 'acr', 'binding_message', 'openbanking_intent_id']) {
    const value = optionalString(body, name);
    if (value !== undefined) optional[name] = value;
  }
  return { ...request, ...optional };
}

function readStartAuthentication(body: Record<string, unknown>): StartAuthenticationRequest {
  const base = readVerifyUser(body);
  const expiresAt = requiredString(body, 'expires_at');
  if (!/^\d{4}-\d{2}-\d{2}T/.test(expiresAt) || Number.isNaN(Date.parse(expiresAt))) throw invalid('expires_at must be an ISO 8601 date-time');
  const details = body.authorization_details;
  if (details !== undefined && (!Array.isArray(details) || details.some((item) => typeof item !== 'object' || item === null || Array.isArray(item)))) {
    throw invalid('authorization_details must be an array of objects (RFC 9396)');
  }
  const callback = body.callback;
  if (typeof callback !== 'object' || callback === null || Array.isArray(callback)) throw invalid('callback must be an object {url, credential}');
  const url = httpUrl(requiredString(callback as Record<string, unknown>, 'url'), 'callback.url');
  const credential = requiredString(callback as Record<string, unknown>, 'credential');
  return {
    ...base,
    auth_req_id: requiredString(body, 'auth_req_id'),
    ...(details !== undefined ? { authorization_details: details as unknown[] } : {}),
    expires_at: expiresAt,
    callback: { url, credential },
  };
}

// ---------------------------------------------------------------------------------------------------
// Authentication of the provider

type Authenticated = { readonly kind: 'basic' } | { readonly kind: 'jwt'; readonly claims: JWTPayload };

interface Authenticator {
  authenticate(header: string | undefined): Promise<Authenticated>;
}

function makeAuthenticator(options: ReferenceServiceOptions, publicUrl: string): Authenticator {
  const { basic, jwt } = options;
  const challenges = [...(basic ? [`Basic realm="${REALM}", charset="UTF-8"`] : []), ...(jwt ? [`Bearer realm="${REALM}"`] : [])];
  const refuse = (description: string, bearerError = false): HttpError =>
    new HttpError(401, bearerError ? 'invalid_token' : 'unauthorized', description, {
      'www-authenticate': challenges.map((challenge) => (bearerError && challenge.startsWith('Bearer') ? `${challenge}, error="invalid_token"` : challenge)).join(', '),
    });

  const jwks = jwt ? createRemoteJWKSet(new URL(jwt.jwksUrl ?? `${jwt.issuer.replace(/\/+$/, '')}/jwks`), { timeoutDuration: 3000 }) : undefined;
  /** jti -> exp (epoch seconds), forgotten once the token has expired. */
  const seenJti = new Map<string, number>();

  async function verifyJwt(token: string, settings: JwtAuthOptions): Promise<Authenticated> {
    const tolerance = settings.clockToleranceSeconds ?? 30;
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, jwks as NonNullable<typeof jwks>, {
        issuer: settings.issuer,
        audience: settings.audience ?? publicUrl,
        algorithms: ['ES256'],
        requiredClaims: ['iat', 'exp', 'jti'],
        clockTolerance: tolerance,
      }));
    } catch (error) {
      throw refuse(`the JWT was refused: ${(error as Error).message}`, true);
    }
    const { iat, exp, jti } = claims as { iat: number; exp: number; jti: unknown };
    const maxLifetime = settings.maxLifetimeSeconds ?? 60;
    if (exp - iat > maxLifetime) throw refuse(`the JWT lives ${exp - iat} s; at most ${maxLifetime} s is accepted`, true);
    if (iat > Date.now() / 1000 + tolerance) throw refuse('the JWT was issued in the future', true);
    if (typeof jti !== 'string' || jti === '') throw refuse('the JWT has no jti', true);
    if (settings.rejectReplayedJti ?? true) {
      const now = Date.now() / 1000;
      for (const [seen, until] of seenJti) if (until + tolerance < now) seenJti.delete(seen);
      if (seenJti.has(jti)) throw refuse('the JWT was already used (its jti has been seen)', true);
      seenJti.set(jti, exp);
    }
    return { kind: 'jwt', claims };
  }

  return {
    async authenticate(header) {
      if (!header) throw refuse('authentication is required');
      const match = /^(\S+)\s+(\S+)\s*$/.exec(header);
      const scheme = match?.[1]?.toLowerCase();
      const value = match?.[2] ?? '';
      if (scheme === 'basic') {
        if (!basic) throw refuse('HTTP Basic is not accepted here');
        const decoded = Buffer.from(value, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon < 0) throw refuse('malformed Basic credentials');
        // Both compared in full, whatever the first gave, so that timing tells nothing.
        const userOk = sameSecret(decoded.slice(0, colon), basic.username);
        const passwordOk = sameSecret(decoded.slice(colon + 1), basic.password);
        if (!userOk || !passwordOk) throw refuse('wrong username or password');
        return { kind: 'basic' };
      }
      if (scheme === 'bearer') {
        if (!jwt) throw refuse('Bearer JWTs are not accepted here');
        return verifyJwt(value, jwt);
      }
      throw refuse('unsupported authorization scheme');
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The service

function normaliseScript(script: number | readonly ScriptedAnswer[] | undefined): ScriptedAnswer[] {
  if (script === undefined) return [];
  if (typeof script === 'number') return Array.from({ length: script }, () => 503);
  return [...script];
}

function readScript(body: Record<string, unknown>): ScriptedAnswer[] {
  rejectUnknownMembers(body, ['answers', 'count', 'status']);
  if (body.answers !== undefined) {
    if (!Array.isArray(body.answers)) throw invalid('answers must be an array');
    return body.answers.map((answer: unknown) => {
      if (answer === 'drop') return 'drop';
      if (typeof answer === 'number' && Number.isInteger(answer) && answer >= 100 && answer <= 599) return answer;
      const delayMs = (answer as { delayMs?: unknown } | null)?.delayMs;
      if (typeof delayMs === 'number' && delayMs >= 0 && delayMs <= 60_000) return { delayMs };
      throw invalid('each answer must be an HTTP status, "drop" or {"delayMs": n} (n <= 60000)');
    });
  }
  const count = body.count ?? 0;
  const status = body.status ?? 503;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 1000) throw invalid('count must be an integer from 0 to 1000');
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) throw invalid('status must be an HTTP status');
  return Array.from({ length: count }, () => status);
}

/** The view of a started authentication the control API shows. */
function authenticationView(started: StartedAuthentication): Record<string, unknown> {
  return { ...started.request, started_at: started.startedAt, starts: started.starts, status: started.status, callbacks: started.callbacks };
}

export async function startReferenceService(options: ReferenceServiceOptions = {}): Promise<ReferenceService> {
  if (!options.basic && !options.jwt) throw new Error('reference external service: configure basic credentials, a JWT issuer, or both');
  const log = options.log ?? ((): void => undefined);
  const host = options.host ?? '127.0.0.1';
  const state: ReferenceServiceState = {
    down: false,
    users: new Map((options.users ?? []).map((user) => [user.sub, user])),
    authentications: new Map(),
    calls: [],
    startFailures: normaliseScript(options.startFailures),
    verifyFailures: normaliseScript(options.verifyFailures),
  };
  const stopping = new AbortController();
  const sockets = new Set<Socket>();
  // Set once listening: the JWT audience may default to the bound address.
  const ready: { authenticator?: Authenticator } = {};

  /** verify-user and start-authentication: down switch, script, authentication, then the operation. */
  async function serviceOperation(operation: Operation, request: IncomingMessage, response: ServerResponse, text: string): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const record = (call: Omit<ReceivedCall, 'operation' | 'at' | 'body'>): void => {
      state.calls.push({ operation, at: new Date().toISOString(), ...(body !== undefined ? { body } : {}), ...call });
    };

    if (state.down) {
      record({ auth: 'unchecked', answer: 503 });
      log(`${operation}: down, 503`);
      send(response, 503, { error: 'temporarily_unavailable', error_description: 'the service is down (POST /control/up)' });
      return;
    }
    const script = operation === 'verify-user' ? state.verifyFailures : state.startFailures;
    const scripted = script.shift();
    if (scripted === 'drop') {
      record({ auth: 'unchecked', answer: 'drop' });
      log(`${operation}: scripted drop`);
      request.socket.destroy();
      return;
    }
    if (typeof scripted === 'number') {
      record({ auth: 'unchecked', answer: scripted });
      log(`${operation}: scripted ${scripted}`);
      send(response, scripted, { error: 'scripted_failure', error_description: `scripted answer ${scripted}` });
      return;
    }
    if (scripted !== undefined) {
      log(`${operation}: scripted delay of ${scripted.delayMs} ms`);
      await sleep(scripted.delayMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      if (stopping.signal.aborted) return;
    }

    let authenticated: Authenticated;
    try {
      authenticated = await (ready.authenticator as Authenticator).authenticate(request.headers.authorization);
    } catch (error) {
      const refused = error instanceof HttpError ? error : new HttpError(401, 'unauthorized', 'authentication failed');
      record({ auth: 'refused', answer: refused.status });
      log(`${operation}: refused: ${refused.message}`);
      sendError(response, refused);
      return;
    }
    const auth = { auth: authenticated.kind, ...(authenticated.kind === 'jwt' ? { jwtClaims: authenticated.claims } : {}) } as const;

    try {
      const parsed = parseObject(text, request.headers['content-type'], false);
      const answer = operation === 'verify-user' ? verifyUser(readVerifyUser(parsed)) : startAuthentication(readStartAuthentication(parsed));
      record({ ...auth, answer: answer.status });
      send(response, answer.status, answer.body);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      record({ ...auth, answer: error.status });
      log(`${operation}: ${error.status} ${error.message}`);
      sendError(response, error);
    }
  }

  function verifyUser(request: VerifyUserRequest): { status: number; body: unknown } {
    const user = state.users.get(request.sub);
    const body = !user ? { result: 'unknown_user' } : user.allowed ? { result: 'ok' } : { result: 'not_allowed', ...(user.reason !== undefined ? { reason: user.reason } : {}) };
    log(`verify-user sub=${request.sub} client_id=${request.client_id} -> ${body.result}`);
    return { status: 200, body };
  }

  function startAuthentication(request: StartAuthenticationRequest): { status: number; body: unknown } {
    const user = state.users.get(request.sub);
    // The provider asked verify-user first; the user may have changed since.
    if (!user) throw new HttpError(404, 'unknown_user', `no user ${request.sub}`);
    if (!user.allowed) throw new HttpError(403, 'access_denied', user.reason ?? 'the user may not be authenticated here');
    if (Date.parse(request.expires_at) <= Date.now()) throw invalid('the request has already expired (expires_at)');
    const existing = state.authentications.get(request.auth_req_id);
    if (existing) {
      // A retry (the provider timed out, or lost the answer): the same request, answered the same way.
      // Another user or client under the same id is not a retry.
      if (existing.request.sub !== request.sub || existing.request.client_id !== request.client_id) {
        throw new HttpError(409, 'conflict', `auth_req_id ${request.auth_req_id} was started for another user or client`);
      }
      existing.request = request;
      existing.starts++;
      log(`start-authentication auth_req_id=${request.auth_req_id}: repeated (${existing.starts} starts)`);
    } else {
      state.authentications.set(request.auth_req_id, { request, startedAt: new Date().toISOString(), starts: 1, status: 'pending', callbacks: [] });
      log(`start-authentication auth_req_id=${request.auth_req_id} sub=${request.sub} scope="${request.scope}"${request.binding_message ? ` binding_message="${request.binding_message}"` : ''}: started`);
    }
    return { status: 202, body: { auth_req_id: request.auth_req_id, status: 'started' } };
  }

  /** Calls the provider's callback for a started authentication, and answers with the provider's answer. */
  async function decide(authReqId: string, result: 'accept' | 'reject', control: Record<string, unknown>, response: ServerResponse): Promise<void> {
    const started = state.authentications.get(authReqId);
    if (!started) throw new HttpError(404, 'not_found', `no started authentication ${authReqId}`);
    rejectUnknownMembers(control, result === 'accept' ? ['scope', 'claims', 'acr', 'amr', 'reason', 'credential'] : ['reason', 'credential']);
    const sent: Record<string, unknown> = { result };
    for (const name of ['scope', 'acr', 'reason']) {
      const value = optionalString(control, name);
      if (value !== undefined) sent[name] = value;
    }
    if (control.claims !== undefined) {
      if (typeof control.claims !== 'object' || control.claims === null || Array.isArray(control.claims)) throw invalid('claims must be an object');
      sent.claims = control.claims;
    }
    if (control.amr !== undefined) {
      if (!Array.isArray(control.amr) || control.amr.some((value) => typeof value !== 'string')) throw invalid('amr must be an array of strings');
      sent.amr = control.amr;
    }
    // A credential other than the stored one: for tests of the provider's 401.
    const credential = optionalString(control, 'credential') ?? started.request.callback.credential;

    const at = new Date().toISOString();
    let answer: { status: number; contentType: string | null; body: string };
    try {
      const reply = await fetch(started.request.callback.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(sent),
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(options.callbackTimeoutMs ?? 5000), stopping.signal]),
      });
      answer = { status: reply.status, contentType: reply.headers.get('content-type'), body: await reply.text() };
    } catch (error) {
      const description = `no answer from the provider's callback ${started.request.callback.url}: ${(error as Error).message}`;
      started.callbacks.push({ at, sent, status: 'unreachable', body: '' });
      log(`${result} ${authReqId}: ${description}`);
      throw new HttpError(502, 'provider_unreachable', description);
    }
    started.callbacks.push({ at, sent, status: answer.status, body: answer.body });
    if (answer.status === 200) {
      let confirmed: unknown;
      try {
        confirmed = (JSON.parse(answer.body) as { status?: unknown }).status;
      } catch {
        confirmed = undefined;
      }
      if (confirmed === 'approved') started.status = 'accepted';
      else if (confirmed === 'denied') started.status = 'rejected';
    }
    log(`${result} ${authReqId}: the provider answered ${answer.status} ${answer.body}`);
    if (response.headersSent || response.destroyed) return;
    response.writeHead(answer.status, { 'cache-control': 'no-store', ...(answer.contentType ? { 'content-type': answer.contentType } : {}) });
    response.end(answer.body);
  }

  async function control(method: string, path: string, text: string, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const body = (): Record<string, unknown> => parseObject(text, request.headers['content-type'], true);
    const segments = path.split('/').slice(1).map((segment) => decodeURIComponent(segment));
    const allow = (...methods: string[]): void => {
      if (!methods.includes(method)) throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here`, { allow: methods.join(', ') });
    };
    const [first, second, third] = segments;

    if (first === 'authentications') {
      if (segments.length === 1) {
        allow('GET');
        send(response, 200, { authentications: [...state.authentications.values()].map(authenticationView) });
        return true;
      }
      if (segments.length === 2 && second) {
        allow('GET');
        const started = state.authentications.get(second);
        if (!started) throw new HttpError(404, 'not_found', `no started authentication ${second}`);
        send(response, 200, authenticationView(started));
        return true;
      }
      if (segments.length === 3 && second && (third === 'accept' || third === 'reject')) {
        allow('POST');
        await decide(second, third, body(), response);
        return true;
      }
      return false;
    }
    if (first === 'calls' && segments.length === 1) {
      allow('GET');
      send(response, 200, { calls: state.calls });
      return true;
    }
    if (first !== 'control') return false;
    if (segments.length === 1) {
      allow('GET');
      send(response, 200, { down: state.down, users: [...state.users.values()], start_failures: state.startFailures, verify_failures: state.verifyFailures });
      return true;
    }
    if (segments.length === 2 && (second === 'down' || second === 'up')) {
      allow('POST');
      state.down = second === 'down';
      log(`control: ${second}`);
      send(response, 200, { down: state.down });
      return true;
    }
    if (segments.length === 2 && (second === 'start-failures' || second === 'verify-failures')) {
      allow('POST');
      const script = readScript(body());
      if (second === 'start-failures') state.startFailures = script;
      else state.verifyFailures = script;
      log(`control: ${second} ${JSON.stringify(script)}`);
      send(response, 200, { [second.replace('-', '_')]: script });
      return true;
    }
    if (segments.length === 3 && second === 'users' && third) {
      allow('PUT', 'DELETE');
      if (method === 'DELETE') {
        state.users.delete(third);
        send(response, 204, undefined);
        return true;
      }
      const input = body();
      rejectUnknownMembers(input, ['allowed', 'reason']);
      if (input.allowed !== undefined && typeof input.allowed !== 'boolean') throw invalid('allowed must be a boolean');
      const reason = optionalString(input, 'reason');
      const user: ReferenceUser = { sub: third, allowed: (input.allowed as boolean | undefined) ?? true, ...(reason !== undefined ? { reason } : {}) };
      state.users.set(third, user);
      send(response, 200, user);
      return true;
    }
    return false;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://service').pathname.replace(/\/+$/, '') || '/';
    const text = await readBody(request);
    if (path === '/verify-user' || path === '/start-authentication') {
      if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here`, { allow: 'POST' });
      await serviceOperation(path.slice(1) as Operation, request, response, text);
      return;
    }
    if (!(await control(method, path, text, request, response))) throw new HttpError(404, 'not_found', `no route ${method} ${path}`);
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendError(response, error);
        return;
      }
      log(`error: ${(error as Error).stack ?? String(error)}`);
      send(response, 500, { error: 'server_error', error_description: 'unexpected error (see the service log)' });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve((server.address() as AddressInfo).port));
  });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const publicUrl = (options.publicUrl ?? url).replace(/\/+$/, '');
  ready.authenticator = makeAuthenticator(options, publicUrl);

  return {
    url,
    publicUrl,
    state,
    async stop() {
      stopping.abort();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// `npx tsx examples/reference-external-service/server.ts`

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(import.meta.filename);
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const options = readReferenceServiceOptions();
  const service = await startReferenceService({ ...options, log: (line) => console.log(`${new Date().toISOString()} ${line}`) });
  const users = [...service.state.users.values()].map((user) => (user.allowed ? user.sub : `${user.sub} (not allowed)`)).join(', ');
  console.log(`
Reference external authentication service on ${service.url}

  Base URL for the provider   ${service.publicUrl}   (CIBA_EXTERNAL_SERVICE_URL)
  HTTP Basic                  ${options.basic ? `${options.basic.username}:<SERVICE_PASSWORD>` : 'off (set SERVICE_USERNAME and SERVICE_PASSWORD)'}
  Provider JWTs               ${options.jwt ? `iss ${options.jwt.issuer}, aud ${options.jwt.audience ?? service.publicUrl}, keys ${options.jwt.jwksUrl ?? `${options.jwt.issuer}/jwks`}` : 'off'}
  Users                       ${users || 'none'}

  Started authentications     curl -s ${service.url}/authentications
  Accept                      curl -s -X POST ${service.url}/authentications/<auth_req_id>/accept -H 'Content-Type: application/json' -d '{"amr":["pin"]}'
  Reject                      curl -s -X POST ${service.url}/authentications/<auth_req_id>/reject
  Down / up                   curl -s -X POST ${service.url}/control/down

Ctrl-C stops it.
`);
  const stop = (): void => {
    void service.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (isEntryPoint()) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
