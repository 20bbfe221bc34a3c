/**
 * The device API's documents cannot silently drift from the code: docs/device-api.openapi.yaml and
 * docs/device-protocol.md are checked against the route table (lambdas/routes.ts), the errors each
 * device handler can throw (read from its sources), the protocol's constants, and the code's own
 * canonical JSON, view and enrollment response. The worked examples are recomputed and their
 * signatures verified.
 *
 * No YAML parser is a dependency of the project, so the OpenAPI document is read by indentation: the
 * outline of its mapping keys (block scalars skipped), which is all these checks need. The document
 * keeps to block style with two-space indentation for that reason.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { PUSH_ALERT, phoneMessage } from '../../../lambdas/adapters/push/sns-push-service.js';
import { CLOCK_SKEW_SECONDS } from '../../../lambdas/core/client-authentication/verify-client-assertion.js';
import { authRequestView } from '../../../lambdas/core/device/auth-request-view.js';
import { DEVICE_JWT_TYPE, MAX_DEVICE_JWT_LIFETIME_SECONDS } from '../../../lambdas/core/device/authenticate-device.js';
import { enrollDevice } from '../../../lambdas/core/device/enroll-device.js';
import { ENROLLMENT_CODE_SECONDS } from '../../../lambdas/core/device/enrollment-code.js';
import { canonicalJson, transactionHash } from '../../../lambdas/core/device/transaction-hash.js';
import { DECISION_JWT_TYPE, USER_VERIFICATION_AMR } from '../../../lambdas/core/device/verify-signed-decision.js';
import * as errors from '../../../lambdas/core/errors.js';
import { ecThumbprint } from '../../../lambdas/core/jwt/jwk-thumbprint.js';
import { PUSH_PLATFORMS, type AuthRequest } from '../../../lambdas/core/model.js';
import { PUSH_SIGNATURE_AUDIENCE, PUSH_SIGNATURE_TYPE } from '../../../lambdas/core/notification/push-to-devices.js';
import { handlers, routes, type HandlerName } from '../../../lambdas/routes.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const OPENAPI = read('docs/device-api.openapi.yaml');
const PROTOCOL = read('docs/device-protocol.md');

// ---------------------------------------------------------------------------------------------------
// The OpenAPI document's outline

interface Key {
  readonly key: string;
  readonly indent: number;
  /** The key's line and every line below it that belongs to it. */
  readonly text: string;
  readonly children: Key[];
}

/** The mapping keys of a block-style YAML document, nested by indentation. */
function outline(yaml: string): Key[] {
  const lines = yaml.split('\n');
  const found: { key: string; indent: number; line: number; children: Key[]; end: number }[] = [];
  const roots: Key[] = [];
  const stack: (typeof found)[number][] = [];
  const keyLine = /^( *)('[^']*'|[^\s'"#-][^:]*?):(?: (.*))?$/;
  for (let i = 0; i < lines.length; i++) {
    const match = keyLine.exec(lines[i] ?? '');
    if (!match) continue;
    const indent = match[1]?.length ?? 0;
    const entry = { key: (match[2] ?? '').replace(/^'(.*)'$/, '$1'), indent, line: i, children: [] as Key[], end: lines.length };
    while (stack.length > 0 && (stack.at(-1)?.indent ?? 0) >= indent) {
      const closed = stack.pop();
      if (closed) closed.end = i;
    }
    found.push(entry);
    const parent = stack.at(-1);
    stack.push(entry);
    // A block scalar (| or >): its lines are text, never keys.
    if (/^[|>][-+]?$/.test((match[3] ?? '').trim())) {
      const indentOf = (line: string): number => line.length - line.trimStart().length;
      while (i + 1 < lines.length && ((lines[i + 1] ?? '').trim() === '' || indentOf(lines[i + 1] ?? '') > indent)) i++;
    }
    const node: Key = {
      key: entry.key,
      indent,
      get text() {
        return lines.slice(entry.line, entry.end).join('\n');
      },
      children: entry.children,
    };
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

function child(nodes: readonly Key[] | Key | undefined, ...path: string[]): Key | undefined {
  let current: Key | undefined;
  let level: readonly Key[] = Array.isArray(nodes) ? nodes : ((nodes as Key | undefined)?.children ?? []);
  for (const name of path) {
    current = level.find((node) => node.key === name);
    if (!current) return undefined;
    level = current.children;
  }
  return current;
}

function mustHave(nodes: readonly Key[] | Key | undefined, ...path: string[]): Key {
  const found = child(nodes, ...path);
  if (!found) throw new Error(`docs/device-api.openapi.yaml has no ${path.join(' > ')}`);
  return found;
}

const document = outline(OPENAPI);
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

interface Operation {
  readonly route: string;
  readonly node: Key;
}

const operations: Operation[] = mustHave(document, 'paths').children.flatMap((path) =>
  path.children.filter((node) => METHODS.has(node.key)).map((node) => ({ route: `${node.key.toUpperCase()} ${path.key}`, node })),
);

/** A flow list `[a, b]` as its items. */
const flowList = (text: string): string[] => text.replace(/^\[|\]$/g, '').split(',').map((item) => item.trim()).filter(Boolean);

/** The value of a `name: [a, b]` line of a key's own text. */
function flowListOf(node: Key, name: string): string[] {
  const match = new RegExp(`^\\s*${name}: (\\[.*\\])\\s*$`, 'm').exec(node.text);
  if (!match?.[1]) throw new Error(`no ${name} list under ${node.key}`);
  return flowList(match[1]);
}

// ---------------------------------------------------------------------------------------------------
// What the code says

const inScope = (path: string): boolean => path.startsWith('/device/') || path === '/simulator' || path.startsWith('/simulator/');
const scopedRoutes = routes.filter((route) => inScope(route.path));
const routeKey = (route: { method: string; path: string }): string => `${route.method} ${route.path}`;

/** Every OAuth error class errors.ts exports, by export name: its code and status. */
const errorClasses = new Map<string, { code: string; status: number }>();
for (const [name, value] of Object.entries(errors)) {
  if (typeof value === 'function' && value.prototype instanceof errors.OAuthError) {
    const instance = new (value as errors.OAuthErrorClass)('probe');
    errorClasses.set(name, { code: instance.error, status: instance.status });
  }
}
const allCodes = new Set([...errorClasses.values()].map((error) => error.code));

const ERRORS_MODULE = 'lambdas/core/errors.ts';
const DEVICE_DIRECTORIES = ['lambdas/core/device/', 'lambdas/core/simulator/'];

/** Relative imports of a module, as project paths of .ts files. */
function importsOf(file: string): { path: string; names: string[] }[] {
  const imports: { path: string; names: string[] }[] = [];
  for (const match of read(file).matchAll(/import\s+(type\s+)?(?:\{([^}]*)\}|[\w*\s]+)\s+from\s+'(\.[^']+)'/g)) {
    const path = relative(ROOT, resolve(ROOT, dirname(file), (match[3] ?? '').replace(/\.js$/, '.ts')));
    const names = match[1]
      ? []
      : (match[2] ?? '')
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name && !name.startsWith('type '))
          .map((name) => name.split(/\s+as\s+/)[0] ?? name);
    imports.push({ path, names });
  }
  return imports;
}

/** The handler's module and the device and simulator modules it reaches: where its errors are thrown. */
function sourcesOf(handler: HandlerName): string[] {
  const seen = new Set<string>([handlers[handler].entry]);
  const queue = [handlers[handler].entry];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    for (const { path } of importsOf(file)) {
      if (!seen.has(path) && DEVICE_DIRECTORIES.some((directory) => path.startsWith(directory))) {
        seen.add(path);
        queue.push(path);
      }
    }
  }
  return [...seen];
}

/** `code status` pairs a handler can answer with: the error classes its sources import, and server_error. */
function errorsOf(handler: HandlerName): Set<string> {
  const pairs = new Set([`server_error 500`]);
  for (const file of sourcesOf(handler)) {
    for (const { path, names } of importsOf(file)) {
      if (path !== ERRORS_MODULE) continue;
      for (const name of names) {
        const error = errorClasses.get(name);
        if (error) pairs.add(`${error.code} ${error.status}`);
      }
    }
  }
  return pairs;
}

/** `code status` pairs an operation documents: the error codes named in each status's examples and schema. */
function documentedErrors(operation: Operation): Set<string> {
  const pairs = new Set<string>();
  for (const response of mustHave(operation.node, 'responses').children) {
    const status = Number(response.key);
    if (!Number.isInteger(status)) continue;
    let text = response.text;
    const shared = /\$ref: '#\/components\/responses\/(\w+)'/.exec(text)?.[1];
    if (shared) text += `\n${mustHave(document, 'components', 'responses', shared).text}`;
    const codes = [
      ...[...text.matchAll(/^\s*(?:error|const): ([a-z_]+)\s*$/gm)].map((match) => match[1] ?? ''),
      ...[...text.matchAll(/^\s*enum: (\[.*\])\s*$/gm)].flatMap((match) => flowList(match[1] ?? '')),
    ];
    for (const code of codes) if (allCodes.has(code)) pairs.add(`${code} ${status}`);
  }
  return pairs;
}

const scopedHandlers = [...new Set(scopedRoutes.map((route) => route.handler))];
const operationsOf = (handler: HandlerName): Operation[] =>
  scopedRoutes.filter((route) => route.handler === handler).map((route) => operations.find((operation) => operation.route === routeKey(route))).filter((operation): operation is Operation => operation !== undefined);

/** Reads `name = new Set([...])` from a source file: the lists the code validates against. */
function setLiteral(file: string, name: string): string[] {
  const match = new RegExp(`${name} = new Set\\(\\[([^\\]]*)\\]\\)`).exec(read(file));
  if (!match?.[1]) throw new Error(`${file} has no ${name} set`);
  return [...match[1].matchAll(/'([^']+)'/g)].map((item) => item[1] ?? '');
}

/** The fenced block after `<!-- example: name -->` in the protocol document. */
function example(name: string): string {
  const match = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(PROTOCOL);
  if (!match?.[1]) throw new Error(`docs/device-protocol.md has no example ${name}`);
  return match[1];
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------------------------------------------

describe('docs/device-api.openapi.yaml', () => {
  it('is OpenAPI 3.1 with the Device security scheme', () => {
    expect(OPENAPI).toMatch(/^openapi: 3\.1\.\d+$/m);
    const scheme = mustHave(document, 'components', 'securitySchemes', 'Device');
    expect(scheme.text).toMatch(/^\s*type: http$/m);
    expect(scheme.text).toMatch(/^\s*scheme: Device$/m);
    expect(mustHave(document, 'security').text).toContain('- Device: []');
  });

  it('describes exactly the routes under /device and /simulator, each with its method', () => {
    expect(scopedRoutes.length).toBeGreaterThan(0);
    expect(operations.map((operation) => operation.route).sort()).toEqual(scopedRoutes.map(routeKey).sort());
  });

  it('marks the simulator routes test-only', () => {
    for (const operation of operations.filter((candidate) => candidate.route.includes(' /simulator'))) {
      expect(operation.node.text, operation.route).toMatch(/^\s*x-test-only: true$/m);
    }
  });

  it('asks for a device JWT exactly where the device handlers authenticate the device', () => {
    for (const handler of scopedHandlers.filter((name) => scopedRoutes.some((route) => route.handler === name && route.path.startsWith('/device/')))) {
      const authenticates = sourcesOf(handler).some((file) => /\bauthenticateDevice\(/.test(read(file)));
      for (const operation of operationsOf(handler)) {
        const security = child(operation.node, 'security');
        // No security of its own: the document's default, the Device scheme.
        if (authenticates) expect(security === undefined || security.text.includes('Device'), operation.route).toBe(true);
        else expect(security?.text, operation.route).toMatch(/security: \[\]/);
      }
    }
  });

  it('documents every error each handler can return, with its status', () => {
    for (const handler of scopedHandlers) {
      const documented = new Set(operationsOf(handler).flatMap((operation) => [...documentedErrors(operation)]));
      for (const pair of errorsOf(handler)) expect(documented, `${handler} can answer ${pair}`).toContain(pair);
    }
  });

  it('documents no error a handler cannot return', () => {
    for (const handler of scopedHandlers) {
      const possible = errorsOf(handler);
      for (const operation of operationsOf(handler)) {
        for (const pair of documentedErrors(operation)) expect(possible, `${operation.route} documents ${pair}`).toContain(pair);
      }
    }
  });

  it('gives every operation a 500 server_error', () => {
    for (const operation of operations) expect(documentedErrors(operation), operation.route).toContain('server_error 500');
  });

  it('lists exactly the device API error codes in the OAuth error schema', () => {
    const codes = new Set(scopedHandlers.flatMap((handler) => [...errorsOf(handler)].map((pair) => pair.split(' ')[0] ?? '')));
    expect(new Set(flowListOf(mustHave(document, 'components', 'schemas', 'OAuthError', 'properties', 'error'), 'enum'))).toEqual(codes);
  });

  it('keeps the enumerations of the code: platforms, amr values, payment and transaction members', () => {
    const schemas = mustHave(document, 'components', 'schemas');
    expect(flowListOf(mustHave(schemas, 'PushPlatform'), 'enum').sort()).toEqual([...PUSH_PLATFORMS].sort());
    const amr = setLiteral('lambdas/core/device/verify-signed-decision.ts', 'AMR_VALUES');
    expect(flowListOf(mustHave(schemas, 'SignedDecisionPayload', 'properties', 'amr', 'items'), 'enum').sort()).toEqual([...amr].sort());
    const paymentMembers = setLiteral('lambdas/core/authorization-details/payment-initiation.ts', 'allowed');
    expect(mustHave(schemas, 'PaymentInitiation', 'properties').children.map((node) => node.key).sort()).toEqual([...paymentMembers].sort());
    const transactionMembers = setLiteral('lambdas/core/device/verify-signed-decision.ts', 'members');
    expect(mustHave(schemas, 'Transaction', 'properties').children.map((node) => node.key).sort()).toEqual([...transactionMembers].sort());
    for (const type of [DEVICE_JWT_TYPE, DECISION_JWT_TYPE, PUSH_SIGNATURE_TYPE, PUSH_SIGNATURE_AUDIENCE, PUSH_ALERT.title, PUSH_ALERT.body]) expect(OPENAPI).toContain(type);
  });

  it('describes the view the code builds: every member, and the required ones', () => {
    const full: AuthRequest = {
      authReqId: 'a',
      clientId: 'c',
      clientName: 'n',
      sub: 's',
      scope: 'openid email',
      bindingMessage: 'b',
      authorizationDetails: [{ type: 'payment_initiation' }],
      acr: 'sca',
      userVerificationRequired: true,
      deliveryMode: 'poll',
      createdAt: 0,
      expiresAt: 1,
      interval: 5,
      status: 'pending',
      pollCount: 0,
      pollTimes: [],
    };
    const { clientName: _n, bindingMessage: _b, authorizationDetails: _d, acr: _a, userVerificationRequired: _u, ...minimal } = full;
    const view = mustHave(document, 'components', 'schemas', 'AuthRequestView');
    expect(mustHave(view, 'properties').children.map((node) => node.key).sort()).toEqual(Object.keys(authRequestView(full)).sort());
    expect(flowListOf(view, 'required').sort()).toEqual(Object.keys(authRequestView(minimal)).sort());
  });

  it('describes the enrollment response the code returns', async () => {
    const deps = {
      clock: { now: () => 0 },
      devices: { consumeEnrollmentCode: async () => 'sub-1', create: async () => undefined },
      users: { putDeviceSummary: async () => undefined, setUserCode: async () => true },
      push: { supportsPlatform: () => true, registerDevice: async () => 'arn:aws:sns:local:0:endpoint/APNS/app/1', notify: async () => 'sent' as const },
    };
    const jwk = JSON.parse(example('device-public-jwk')) as Record<string, string>;
    const response = await enrollDevice(
      { method: 'POST', path: '/device/enroll', headers: { 'content-type': ['application/json'] }, query: {}, pathParameters: {}, body: JSON.stringify({ enrollment_code: 'code', public_key: jwk, platform: 'APNS', push_token: 'abc' }) },
      deps as never,
    );
    expect(response.status).toBe(201);
    const schema = mustHave(document, 'components', 'schemas', 'EnrollmentResponse');
    expect(flowListOf(schema, 'required').sort()).toEqual(Object.keys(JSON.parse(response.body) as object).sort());
    expect(mustHave(schema, 'properties').children.map((node) => node.key).sort()).toEqual(Object.keys(JSON.parse(response.body) as object).sort());
  });
});

describe('docs/device-protocol.md', () => {
  it('names every route under /device and /simulator with its method', () => {
    for (const route of scopedRoutes) expect(PROTOCOL, routeKey(route)).toMatch(new RegExp(`${route.method}[\\s|\`]*${escape(route.path)}`));
  });

  it('names every error code the device handlers can return, with its status', () => {
    for (const pair of new Set(scopedHandlers.flatMap((handler) => [...errorsOf(handler)]))) {
      const [code, status] = pair.split(' ');
      expect(PROTOCOL, pair).toMatch(new RegExp(`${status}[\\s|\`]*${code}`));
    }
  });

  it("states the protocol's constants", () => {
    for (const text of [DEVICE_JWT_TYPE, DECISION_JWT_TYPE, PUSH_SIGNATURE_TYPE, PUSH_SIGNATURE_AUDIENCE, PUSH_ALERT.title, PUSH_ALERT.body, 'Authorization: Device <JWT>']) {
      expect(PROTOCOL).toContain(text);
    }
    expect(PROTOCOL).toContain(`${MAX_DEVICE_JWT_LIFETIME_SECONDS} s`);
    expect(PROTOCOL).toContain(`${CLOCK_SKEW_SECONDS} s of clock skew`);
    expect(PROTOCOL).toContain(`(${ENROLLMENT_CODE_SECONDS} s)`);
    for (const platform of PUSH_PLATFORMS) expect(PROTOCOL).toContain(`\`${platform}\``);
    for (const value of setLiteral('lambdas/core/device/verify-signed-decision.ts', 'AMR_VALUES')) expect(PROTOCOL).toContain(`\`${value}\``);
    const verification = /Of these, \*\*(.*?) count as user verification/s.exec(PROTOCOL)?.[1] ?? '';
    expect(new Set([...verification.matchAll(/`(\w+)`/g)].map((match) => match[1]))).toEqual(USER_VERIFICATION_AMR);
  });

  it("has a worked example that the provider's own canonical JSON and hash reproduce", () => {
    const canonical = example('canonical-transaction');
    const transaction = JSON.parse(canonical) as Parameters<typeof transactionHash>[0];
    expect(canonicalJson(transaction)).toBe(canonical);
    expect(transactionHash(transaction)).toBe(example('transaction-hash'));
    // The transaction is the example view's, built by the rules of "Deciding".
    const view = JSON.parse(example('view')) as Record<string, unknown>;
    const fromView = { auth_req_id: view.auth_req_id, client_id: view.client_id, binding_message: view.binding_message, authorization_details: view.authorization_details, decision: 'approve' };
    expect(canonicalJson(fromView)).toBe(canonical);
  });

  it('shows the push payloads the SNS adapter publishes, per platform', () => {
    const authReqId = (JSON.parse(example('push-claims')) as { auth_req_id: string }).auth_req_id;
    const message = JSON.parse(phoneMessage({ authReqId, signature: '<JWS>' })) as Record<string, string>;
    expect(Object.keys(message).sort()).toEqual(['APNS', 'APNS_SANDBOX', 'GCM', 'default']);
    const apns = JSON.parse(example('apns-payload')) as unknown;
    expect(JSON.parse(message.APNS ?? '')).toEqual(apns);
    expect(JSON.parse(message.APNS_SANDBOX ?? '')).toEqual(apns);
    const fcm = JSON.parse(message.GCM ?? '') as { fcmV1Message: { message: { data: unknown; android: unknown } } };
    expect(fcm.fcmV1Message.message.data).toEqual(JSON.parse(example('fcm-data')));
    expect(PROTOCOL).toContain(`"android":${JSON.stringify(fcm.fcmV1Message.message.android)}`);
  });

  it('has example signatures that verify, with the claims it shows', async () => {
    const deviceJwk = JSON.parse(example('device-public-jwk')) as Record<string, string>;
    const deviceKey = await importJWK(deviceJwk, 'ES256');
    expect(PROTOCOL).toContain(ecThumbprint(deviceJwk));

    const deviceJwt = example('device-jwt');
    const request = await compactVerify(deviceJwt, deviceKey);
    expect(JSON.parse(new TextDecoder().decode(request.payload))).toEqual(JSON.parse(example('device-jwt-claims')));
    expect(decodeProtectedHeader(deviceJwt)).toMatchObject({ alg: 'ES256', typ: DEVICE_JWT_TYPE });

    const signedDecision = example('signed-decision');
    const decision = JSON.parse(new TextDecoder().decode((await compactVerify(signedDecision, deviceKey)).payload)) as Record<string, unknown>;
    expect(decision).toEqual(JSON.parse(example('signed-decision-payload')));
    expect(decision.transaction_hash).toBe(example('transaction-hash'));
    expect(decodeProtectedHeader(signedDecision)).toMatchObject({ alg: 'ES256', typ: DECISION_JWT_TYPE });
    expect(OPENAPI).toContain(signedDecision);

    const providerJwk = JSON.parse(example('provider-public-jwk')) as Record<string, string>;
    expect(providerJwk.kid).toBe(ecThumbprint(providerJwk));
    const pushJws = example('push-jws');
    const push = await compactVerify(pushJws, await importJWK(providerJwk, 'ES256'));
    expect(JSON.parse(new TextDecoder().decode(push.payload))).toEqual(JSON.parse(example('push-claims')));
    expect(decodeProtectedHeader(pushJws)).toMatchObject({ alg: 'ES256', typ: PUSH_SIGNATURE_TYPE, kid: providerJwk.kid });
    expect(OPENAPI).toContain(pushJws);
  });
});
