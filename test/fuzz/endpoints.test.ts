/**
 * Fuzzing every route of lambdas/routes.ts through the local runner's dispatch (the API Gateway proxy
 * event AWS sends, the real handler, DynamoDB Local): random and mutated methods, headers, query
 * strings, path parameters and bodies. For every answer:
 *
 * - the status is below 500 (a bad input is the client's error, never the server's);
 * - an error is JSON holding only `error` (a code this endpoint's specification names) and
 *   `error_description`, with `Cache-Control: no-store` (RFC 6749 §5.1, §5.2; CIBA Core §13);
 * - a rejected request changed nothing stored: the file's own table is scanned before and after and
 *   compared item by item. Three changes are the protocol's own and are allowed: a consumed single-use
 *   JWT id (replay protection records the jti once the JWT is verified, before the rest of the request
 *   is judged), the poll times an authorization_pending or slow_down answer records (CIBA Core §11),
 *   and the revocation of a refresh token's grant when a used token comes back (RFC 9700 §4.14.2).
 *
 * The table of routes is iterated, so a new route is fuzzed as soon as it is declared; it fails here
 * until its allowed error codes are listed in ALLOWED_ERRORS.
 */
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CIBA_GRANT_TYPE } from '../../lambdas/core/model.js';
import { routes, type HandlerName, type Route } from '../../lambdas/routes.js';
import { dispatch, matchRoute } from '../../local/router.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { TEST_INITIAL_ACCESS_TOKEN } from '../support/constants.js';
import { customDeviceJwt, enrollKeyedDevice, enrollmentCodeFor, type KeyedTestDevice } from '../support/device.js';
import { ALL_FEATURES, basic, decide, poll, registerClient, startAuthRequest, type TestClient } from '../support/provider.js';
import { createOwnTable, useOwnTable } from '../support/workers.js';
import { anyText, deeplyNested, fuzzParameters, hostileJson } from './arbitraries.js';

// Before any handler reads its configuration: this file's handlers use this table alone.
const tableName = useOwnTable('fuzz');

const RFC6749 = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'];
const DEVICE_API = ['invalid_request', 'invalid_token', 'not_found', 'request_not_pending', 'unknown_user_id'];

/** The error codes each endpoint's specification names (below 500: a 5xx is never a right answer here). */
const ALLOWED_ERRORS: Partial<Record<HandlerName, readonly string[]>> = {
  discovery: [],
  jwks: [],
  // CIBA Core §13 (and RFC 9396 §5 for authorization_details)
  backchannelAuthentication: [
    ...RFC6749, 'expired_login_hint_token', 'unknown_user_id', 'missing_user_code', 'invalid_user_code', 'invalid_binding_message', 'access_denied', 'invalid_authorization_details',
  ],
  // RFC 6749 §5.2, CIBA Core §11
  token: [...RFC6749, 'authorization_pending', 'slow_down', 'expired_token', 'access_denied'],
  // RFC 6750 §3.1
  userinfo: ['invalid_request', 'invalid_token', 'insufficient_scope'],
  // RFC 7662 §2.3 (RFC 6749's errors), RFC 7009 §2.2.1
  introspection: RFC6749,
  revocation: [...RFC6749, 'unsupported_token_type'],
  // RFC 7591 §3.2.2, and RFC 6750 §3.1 for the initial access token
  registration: ['invalid_client_metadata', 'invalid_redirect_uri', 'invalid_software_statement', 'unapproved_software_statement', 'invalid_request', 'invalid_token', 'insufficient_scope'],
  // docs/device-api.openapi.yaml
  deviceEnrollment: DEVICE_API,
  devicePushToken: DEVICE_API,
  deviceAuthRequests: DEVICE_API,
  deviceDecision: DEVICE_API,
  simulator: ['invalid_request', 'invalid_token', 'unknown_user_id', 'not_found'],
  externalCallback: ['invalid_request', 'invalid_token', 'not_found', 'request_not_pending'],
  automatedApproval: ['invalid_request', 'not_found', 'request_not_pending'],
};

// ---------------------------------------------------------------------------------------------------
// The table, as stored: every item, keyed by pk, in a canonical form to compare exactly.

const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
afterAll(() => dynamodb.destroy());

type Snapshot = Map<string, string>;

function canonical(value: unknown): string {
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, member]) => `${JSON.stringify(name)}:${canonical(member)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

async function snapshot(): Promise<Snapshot> {
  const items: Snapshot = new Map();
  let startKey: Record<string, AttributeValue> | undefined;
  // Bounded: the table holds a few hundred items at most; 100 pages would be a runaway test.
  for (let page = 0; page < 100; page++) {
    const result = await dynamodb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    for (const item of result.Items ?? []) items.set(item.pk?.S ?? canonical(item.pk), canonical(item));
    startKey = result.LastEvaluatedKey;
    if (!startKey) return items;
  }
  throw new Error('table scan did not end within 100 pages');
}

/** What changed between two snapshots, minus the changes the protocol makes on a rejection. */
function unexpectedChanges(before: Snapshot, after: Snapshot, error: string): string[] {
  const changes: string[] = [];
  for (const [pk, item] of after) {
    const previous = before.get(pk);
    if (previous === item) continue;
    // Replay protection: a verified JWT's jti is used up even when the request is then refused.
    if (previous === undefined && pk.startsWith('JTI#')) continue;
    // CIBA Core §11: a poll answered authorization_pending or slow_down is recorded, to pace the next.
    if (previous !== undefined && pk.startsWith('AUTHREQ#') && (error === 'authorization_pending' || error === 'slow_down') && sameExcept(previous, item, ['pollCount', 'pollTimes'])) continue;
    // RFC 9700 §4.14.2: a used refresh token presented again revokes its whole grant (reuse detection).
    if (previous !== undefined && pk.startsWith('GRANT#') && error === 'invalid_grant' && sameExcept(previous, item, ['status', 'revokedAt']) && canonical(JSON.parse(item).status) === canonical({ S: 'revoked' })) continue;
    changes.push(previous === undefined ? `added ${pk}` : `changed ${pk}: ${previous} -> ${item}`);
  }
  for (const pk of before.keys()) if (!after.has(pk)) changes.push(`removed ${pk}`);
  return changes;
}

/** Whether two stored items differ in the named attributes only. */
function sameExcept(before: string, after: string, attributes: readonly string[]): boolean {
  const strip = (item: string): string => canonical(Object.fromEntries(Object.entries(JSON.parse(item) as Record<string, unknown>).filter(([name]) => !attributes.includes(name))));
  return strip(before) === strip(after);
}

// ---------------------------------------------------------------------------------------------------
// What is stored before the fuzzing starts: clients, a pending request, tokens, an enrolled device.

interface Seeds {
  readonly client: TestClient;
  readonly refreshClient: TestClient;
  readonly pending: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly device: KeyedTestDevice;
  readonly enrollmentCode: string;
}

let seeds: Seeds;

beforeAll(async () => {
  await createOwnTable(tableName);
  const client = await registerClient();
  const refreshClient = await registerClient({ grant_types: [CIBA_GRANT_TYPE, 'refresh_token'] });
  const approved = await startAuthRequest(refreshClient, { scope: 'openid profile offline_access' });
  expect((await decide(approved, 'allow')).status).toBe(200);
  const tokens = await poll(refreshClient, approved);
  expect(tokens.status, tokens.body).toBe(200);
  seeds = {
    client,
    refreshClient,
    pending: await startAuthRequest(client),
    accessToken: String(tokens.json.access_token),
    refreshToken: String(tokens.json.refresh_token),
    device: await enrollKeyedDevice('jane.doe'),
    enrollmentCode: await enrollmentCodeFor('demo'),
  };
}, 60_000);

// ---------------------------------------------------------------------------------------------------
// Requests, as recipes: generated up front, turned into a request (with a freshly signed device JWT
// where one is wanted) when the property runs.

/** A string transformation, printed by fast-check as its description. */
type Mutation = ((value: string) => string) & { toString(): string };

const keep: Mutation = Object.assign((value: string) => value, { toString: () => 'keep' });

/** Mutations of a value only known when the request is built (a fresh JWT, a seed). */
const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(keep) },
  fc.double({ min: 0, max: 1, noNaN: true }).map((at) => Object.assign((v: string) => v.slice(0, Math.floor(v.length * at)), { toString: () => `truncate@${at}` })),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 7 })).map(([at, bit]) =>
    Object.assign(
      (v: string) => {
        const i = Math.min(v.length - 1, Math.floor(v.length * at));
        return i < 0 ? v : v.slice(0, i) + String.fromCharCode(v.charCodeAt(i) ^ (1 << bit)) + v.slice(i + 1);
      },
      { toString: () => `flip bit ${bit}@${at}` },
    ),
  ),
  anyText(12).map((text) => Object.assign((v: string) => v + text, { toString: () => `append ${JSON.stringify(text)}` })),
  fc.constantFrom('.', '=', '==', ' ', '%00').map((text) => Object.assign((v: string) => text + v, { toString: () => `prepend ${JSON.stringify(text)}` })),
);

type Credential = 'basic' | 'basicRefreshClient' | 'badBasic' | 'bearerAccess' | 'bearerInitial' | 'device' | 'text';
interface AuthorizationRecipe {
  readonly credential: Credential;
  readonly text: string;
  readonly mutation: Mutation;
}

type BodyRecipe =
  | { readonly kind: 'none' }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'form'; readonly pairs: readonly (readonly [string, string])[] }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'nested'; readonly depth: number; readonly shape: 'array' | 'object' };

interface Recipe {
  readonly method: string;
  readonly pathParameter: { readonly seed: 'pending' | 'text'; readonly text: string; readonly mutation: Mutation };
  readonly contentType: readonly string[];
  readonly authorization: readonly AuthorizationRecipe[];
  readonly extraHeaders: readonly (readonly [string, string])[];
  readonly query: readonly (readonly [string, string])[];
  readonly body: BodyRecipe;
}

/**
 * What a well-formed request to each endpoint looks like: its body's media type, its credential and
 * valid parameters. Most generated requests start from it and break one or two things, so they get
 * past the first checks (media type, client authentication) and reach the deeper steps.
 */
interface Profile {
  readonly body: 'form' | 'json' | 'none';
  readonly credentials: readonly Credential[];
  /** Valid parameters (a name may come twice, with alternative values); in a form, objects are sent as JSON text. */
  readonly parameters: readonly (readonly [string, unknown])[];
  readonly query?: readonly (readonly [string, string])[];
}

function profile(route: Route): Profile {
  const none: Profile = { body: 'none', credentials: [], parameters: [] };
  switch (route.handler) {
    case 'backchannelAuthentication':
      return {
        body: 'form',
        credentials: ['basic', 'basicRefreshClient'],
        parameters: [['scope', 'openid'], ['scope', 'openid profile offline_access'], ['login_hint', 'jane.doe'], ['login_hint', 'demo'], ['binding_message', 'Pay 10 EUR'], ['requested_expiry', '120'], ['user_code', '1234'], ['acr_values', 'urn:mace:incommon:iap:silver'], ['client_notification_token', 'abc']],
      };
    case 'token':
      return {
        body: 'form',
        credentials: ['basic', 'basicRefreshClient'],
        parameters: [['grant_type', CIBA_GRANT_TYPE], ['auth_req_id', seeds.pending], ['grant_type', 'refresh_token'], ['refresh_token', seeds.refreshToken], ['scope', 'openid'], ['grant_type', 'client_credentials']],
      };
    case 'userinfo':
      return { body: route.method === 'POST' ? 'form' : 'none', credentials: ['bearerAccess'], parameters: [['access_token', seeds.accessToken]] };
    case 'introspection':
    case 'revocation':
      return { body: 'form', credentials: ['basicRefreshClient', 'basic'], parameters: [['token', seeds.accessToken], ['token', seeds.refreshToken], ['token_type_hint', 'refresh_token'], ['token_type_hint', 'access_token']] };
    case 'registration':
      return {
        body: 'json',
        credentials: ['bearerInitial'],
        parameters: [['client_name', 'Fuzz'], ['backchannel_token_delivery_mode', 'poll'], ['backchannel_token_delivery_mode', 'ping'], ['grant_types', [CIBA_GRANT_TYPE]], ['jwks', { keys: [seeds.device.publicJwk] }], ['token_endpoint_auth_method', 'private_key_jwt'], ['backchannel_client_notification_endpoint', 'https://client.example/cb'], ['redirect_uris', ['https://client.example/cb']], ['contacts', ['a@example.com']]],
      };
    case 'deviceEnrollment':
      return { body: 'json', credentials: [], parameters: [['enrollment_code', seeds.enrollmentCode], ['public_key', seeds.device.publicJwk], ['platform', 'FCM'], ['push_token', 'token-1'], ['display_name', 'Phone'], ['user_code', '1234']] };
    case 'devicePushToken':
      return { body: 'json', credentials: ['device'], parameters: [['push_token', 'token-2']] };
    case 'deviceAuthRequests':
      return { ...none, credentials: ['device'] };
    case 'deviceDecision':
      return {
        body: 'json',
        credentials: ['device'],
        parameters: [['signed_decision', 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA'], ['transaction', { auth_req_id: seeds.pending, client_id: seeds.client.clientId, decision: 'approve' }], ['decision', 'approve']],
      };
    case 'simulator':
      return route.path.endsWith('push-inbox') ? { ...none, credentials: ['device'] } : route.method === 'POST' ? { body: 'json', credentials: [], parameters: [['login_hint', 'jane.doe']] } : none;
    case 'externalCallback':
      return { body: 'json', credentials: ['text'], parameters: [['result', 'accept'], ['result', 'reject'], ['scope', 'openid'], ['claims', { name: 'x' }], ['acr', 'x'], ['amr', ['pwd']]] };
    case 'automatedApproval':
      return { ...none, query: [['auth_req_id', seeds.pending], ['action', 'allow'], ['action', 'deny']] };
    default:
      return none;
  }
}

/** The value with an `ext` member nested `depth` levels deep added to its innermost object. */
function deepen(value: unknown, depth: number): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [deepen(value[0], depth), ...value.slice(1)] : [JSON.parse(deeplyNested(depth, 'array'))];
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const inner = entries.findIndex(([, member]) => typeof member === 'object' && member !== null);
  if (inner < 0) return { ...value, ext: JSON.parse(deeplyNested(depth, 'array')) as unknown };
  return Object.fromEntries(entries.map(([name, member], index) => [name, index === inner ? deepen(member, depth) : member]));
}

const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

function recipes(route: Route): fc.Arbitrary<Recipe> {
  const endpoint = profile(route);
  const valid = endpoint.parameters.map(([name, value]) => [name, asText(value)] as const);
  const validPair = valid.length > 0 ? fc.constantFrom(...valid) : fc.constant(['x', 'y'] as const);
  // One parameter gone wrong: a mutated or random value, a random or hostile name, a huge value.
  const brokenPair: fc.Arbitrary<readonly [string, string]> = fc.oneof(
    fc.tuple(validPair, mutations).map(([[name, value], mutation]) => [name, mutation(value)] as const),
    fc.tuple(validPair, anyText(60)).map(([[name], value]) => [name, value] as const),
    fc.tuple(fc.oneof(anyText(12), fc.constantFrom('__proto__', 'constructor', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type', 'request', 'login_hint_token', 'id_token_hint')), anyText(60)),
    fc.tuple(validPair, fc.integer({ min: 4_000, max: 70_000 })).map(([[name], length]) => [name, 'x'.repeat(length)] as const),
  );
  const pair = fc.oneof({ weight: 3, arbitrary: validPair }, brokenPair);
  // Mostly valid parameters: each name usually once with one of its values, sometimes left out or
  // repeated, plus up to two broken ones.
  const names = [...new Set(valid.map(([name]) => name))];
  const onePerName = fc
    .tuple(...names.map((name) => fc.option(fc.constantFrom(...valid.filter(([n]) => n === name)), { freq: 4 })))
    .map((chosen) => chosen.filter((entry): entry is readonly [string, string] => entry !== null));
  const pairs = fc
    .tuple(onePerName, fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, fc.array(validPair, { maxLength: 1 })), fc.array(brokenPair, { maxLength: 2 }))
    .map(([kept, repeated, broken]) => [...kept, ...repeated, ...broken]);
  const jsonObject = (list: readonly (readonly [string, string])[]): Record<string, unknown> => {
    const values = new Map(endpoint.parameters.map(([name, value]) => [`${name}=${asText(value)}`, value]));
    return Object.fromEntries(list.map(([name, value]) => [name, values.get(`${name}=${value}`) ?? value]));
  };
  const jsonValue = fc.oneof(
    { weight: 3, arbitrary: pairs.map(jsonObject) as fc.Arbitrary<unknown> },
    // valid members with an extra member nested deep inside them (DynamoDB stores at most 32 levels)
    fc.tuple(pairs, fc.integer({ min: 10, max: 200 })).map(([list, depth]) => deepen(jsonObject(list), depth)),
    fc.tuple(pairs, fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'public_key', 'transaction', 'claims', 'jwks', 'authorization_details', 'redirect_uris', 'contacts'), fc.string({ maxLength: 8 })), hostileJson, { maxKeys: 3 }))
      .map(([list, hostile]) => ({ ...jsonObject(list), ...hostile }) as unknown),
    hostileJson,
  );
  const randomBody: fc.Arbitrary<BodyRecipe> = fc.oneof(
    fc.constant({ kind: 'none' as const }),
    anyText(300).map((text) => ({ kind: 'text' as const, text })),
    fc.array(pair, { maxLength: 8 }).map((list) => ({ kind: 'form' as const, pairs: list })),
    jsonValue.map((value) => ({ kind: 'json' as const, value })),
    fc.record({ depth: fc.integer({ min: 20, max: 20_000 }), shape: fc.constantFrom('array' as const, 'object' as const) }).map(({ depth, shape }) => ({ kind: 'nested' as const, depth, shape })),
  );
  const mediaTypes = { form: 'application/x-www-form-urlencoded', json: 'application/json', none: undefined } as const;
  const rightMediaType = mediaTypes[endpoint.body];
  const rightBody: fc.Arbitrary<BodyRecipe> =
    endpoint.body === 'form'
      ? pairs.map((list) => ({ kind: 'form' as const, pairs: list }))
      : endpoint.body === 'json'
        ? jsonValue.map((value) => ({ kind: 'json' as const, value }))
        : fc.constant({ kind: 'none' as const });
  const randomContentType = fc.array(
    fc.oneof(
      fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'application/json; charset=utf-8', 'Application/X-WWW-Form-Urlencoded;charset=UTF-8', 'text/plain', 'multipart/form-data', ''),
      anyText(30),
    ),
    { maxLength: 2 },
  );
  const anyCredential = fc.record({
    credential: fc.constantFrom<Credential>('basic', 'basicRefreshClient', 'badBasic', 'bearerAccess', 'bearerInitial', 'device', 'text'),
    text: anyText(60),
    mutation: mutations,
  });
  const rightCredential =
    endpoint.credentials.length > 0 ? fc.record({ credential: fc.constantFrom(...endpoint.credentials), text: fc.constant(''), mutation: fc.oneof({ weight: 4, arbitrary: fc.constant(keep) }, mutations) }).map((recipe) => [recipe]) : fc.constant([]);
  const extraHeaders = fc.array(
    fc.tuple(fc.constantFrom('dpop', 'x-forwarded-for', 'accept', 'content-length', 'origin', 'host', 'x-amzn-trace-id', 'user-agent', '__proto__', 'constructor'), anyText(60)),
    { maxLength: 3 },
  );
  const validQuery = endpoint.query ?? [];
  const query = fc.oneof(
    fc.constant([] as (readonly [string, string])[]),
    validQuery.length > 0 ? fc.shuffledSubarray([...validQuery]) : fc.constant([] as (readonly [string, string])[]),
    fc.array(pair, { maxLength: 4 }),
  );
  const pathParameter = fc.record({
    seed: fc.constantFrom('pending' as const, 'text' as const),
    text: fc.oneof({ weight: 4, arbitrary: anyText(40) }, fc.integer({ min: 200, max: 5_000 }).map((length) => 'é'.repeat(length))),
    mutation: mutations,
  });

  const anything: fc.Arbitrary<Recipe> = fc.record({
    method: fc.oneof({ weight: 9, arbitrary: fc.constant(route.method) }, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD')),
    pathParameter,
    contentType: randomContentType,
    authorization: fc.array(anyCredential, { maxLength: 2 }),
    extraHeaders,
    query,
    body: randomBody,
  });
  const wellFormed: fc.Arbitrary<Recipe> = fc.record({
    method: fc.constant(route.method),
    pathParameter,
    contentType: fc.oneof({ weight: 9, arbitrary: fc.constant(rightMediaType ? [rightMediaType] : []) }, randomContentType),
    authorization: fc.oneof({ weight: 9, arbitrary: rightCredential }, fc.array(anyCredential, { maxLength: 2 })),
    extraHeaders: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, extraHeaders),
    query: validQuery.length > 0 ? fc.shuffledSubarray([...validQuery]) : query,
    body: rightBody,
  });
  return fc.oneof({ weight: 1, arbitrary: anything }, { weight: 4, arbitrary: wellFormed });
}

function pathOf(route: Route, recipe: Recipe): string {
  const { seed, text, mutation } = recipe.pathParameter;
  const value = mutation(seed === 'pending' ? seeds.pending : text);
  // A URL carries no lone surrogate: toWellFormed stands in what a client's encoder would send.
  return route.path.replace(/\{\w+\}/g, () => encodeURIComponent(value.toWellFormed()) || 'x');
}

async function authorizationValue(recipe: AuthorizationRecipe, method: string, path: string): Promise<string> {
  const { credential, text, mutation } = recipe;
  const base64 = (value: string): string => Buffer.from(value).toString('base64');
  switch (credential) {
    case 'basic':
      return mutation(basic(seeds.client).authorization ?? '');
    case 'basicRefreshClient':
      return mutation(basic(seeds.refreshClient).authorization ?? '');
    case 'badBasic':
      return `Basic ${mutation(base64(text))}`;
    case 'bearerAccess':
      return `Bearer ${mutation(seeds.accessToken)}`;
    case 'bearerInitial':
      return `Bearer ${mutation(TEST_INITIAL_ACCESS_TOKEN)}`;
    case 'device':
      return `Device ${mutation(await customDeviceJwt(seeds.device, method, path))}`;
    case 'text':
      return mutation(text);
  }
}

function bodyOf(recipe: BodyRecipe): string | undefined {
  switch (recipe.kind) {
    case 'none':
      return undefined;
    case 'text':
      return recipe.text;
    case 'form':
      return new URLSearchParams(recipe.pairs.map(([name, value]) => [name, value])).toString();
    case 'json':
      return JSON.stringify(recipe.value) ?? '';
    case 'nested':
      return `{"a":${deeplyNested(recipe.depth, recipe.shape)}}`;
  }
}

interface Outcome {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

async function send(route: Route, recipe: Recipe): Promise<Outcome> {
  const path = pathOf(route, recipe);
  const query = new URLSearchParams(recipe.query.map(([name, value]) => [name, value])).toString();
  // A Map: the fuzzer sends headers named __proto__ too.
  const headers = new Map<string, string[]>();
  const add = (name: string, value: string): void => void headers.set(name, [...(headers.get(name) ?? []), value]);
  for (const type of recipe.contentType) add('content-type', type);
  for (const authorization of recipe.authorization) add('authorization', await authorizationValue(authorization, recipe.method, path));
  for (const [name, value] of recipe.extraHeaders) add(name, value);
  const response = await dispatch({ method: recipe.method, url: query ? `${path}?${query}` : path, headers: Object.fromEntries(headers), body: bodyOf(recipe.body) }, ALL_FEATURES);
  return { status: response.status, headers: Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name.toLowerCase(), value])), body: response.body };
}

/**
 * The table as the last rejected request left it (scanned after it), to serve as the next request's
 * `before` without a second scan; undefined after an accepted request, which changes the table.
 */
let lastKnown: Snapshot | undefined;

async function unchangedSince(before: Snapshot, error: string, context: string): Promise<void> {
  const after = await snapshot();
  lastKnown = after;
  expect(unexpectedChanges(before, after, error), context).toEqual([]);
}

/** The property for one answer; `before` is the table just before the request. */
async function check(route: Route, recipe: Recipe, outcome: Outcome, before: Snapshot): Promise<void> {
  const context = `${recipe.method} ${route.path} -> ${outcome.status} ${outcome.body.slice(0, 300)}`;
  expect(outcome.status, context).toBeLessThan(500);
  if (outcome.status < 400) return;
  expect(outcome.headers['cache-control'], context).toBe('no-store');
  if (outcome.status === 401 && outcome.body === '') {
    // RFC 6750 §3.1: a request with no bearer token at all gets the bare challenge, no error code.
    expect(outcome.headers['www-authenticate'], context).toBe('Bearer');
    expect(route.handler, context).toBe('userinfo');
    await unchangedSince(before, '', context);
    return;
  }
  const body = JSON.parse(outcome.body) as Record<string, unknown>;
  if (typeof matchRoute(recipe.method, new URL(pathOf(route, recipe), 'http://localhost').pathname, ALL_FEATURES) === 'object') {
    // The handler answered: an OAuth error of this endpoint.
    expect(Object.keys(body).every((key) => key === 'error' || key === 'error_description'), context).toBe(true);
    expect(ALLOWED_ERRORS[route.handler], context).toContain(body.error);
    expect(outcome.headers['content-type'], context).toMatch(/^application\/json/);
  } else {
    // API Gateway answered: no such method on this resource.
    expect([404, 405], context).toContain(outcome.status);
  }
  await unchangedSince(before, String(body.error), context);
}

/** FUZZ_STATS=1 prints, per route, how often each answer came (FUZZ_STATS=detail: with descriptions): to see how deep the inputs reach. */
const answers = new Map<string, Map<string, number>>();
function tally(route: Route, outcome: Outcome): void {
  if (!process.env.FUZZ_STATS) return;
  let error = '';
  try {
    const body = JSON.parse(outcome.body) as { error?: unknown; error_description?: unknown };
    error = String(body.error ?? '') + (process.env.FUZZ_STATS === 'detail' && body.error_description ? ` (${String(body.error_description).slice(0, 60)})` : '');
  } catch {
    // not JSON: the simulator page, or the bare RFC 6750 challenge
  }
  const counts = answers.get(`${route.method} ${route.path}`) ?? new Map<string, number>();
  const key = `${outcome.status}${error ? ` ${error}` : ''}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  answers.set(`${route.method} ${route.path}`, counts);
}
afterAll(() => {
  for (const [route, counts] of answers) console.log(`${route}: ${[...counts].sort(([, a], [, b]) => b - a).map(([key, n]) => `${key} x${n}`).join(', ')}`);
});

/** A request with nothing in it, to build the regression examples from. */
function emptyRecipe(route: Route): Recipe {
  return { method: route.method, pathParameter: { seed: 'pending', text: '', mutation: keep }, contentType: [], authorization: [], extraHeaders: [], query: [], body: { kind: 'none' } };
}

/** What the fuzzer found, replayed first on every route (fast-check `examples`). */
function regressions(route: Route): [Recipe][] {
  const empty = emptyRecipe(route);
  return [
    // A query parameter named __proto__ crashed the local router; a header so named, the API Gateway adapter.
    [{ ...empty, query: [['__proto__', '']] }],
    [{ ...empty, extraHeaders: [['__proto__', 'x']] }],
    // A JWK with a member nested 40 levels deep was stored as registered: DynamoDB refused the write (a 500).
    ...(route.handler === 'registration'
      ? [[{ ...empty, contentType: ['application/json'], authorization: [{ credential: 'bearerInitial', text: '', mutation: keep }], body: { kind: 'json', value: { client_name: 'x', backchannel_token_delivery_mode: 'poll', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...seeds.device.publicJwk, ext: JSON.parse(deeplyNested(40, 'array')) as unknown }] } } } } satisfies Recipe] as [Recipe]]
      : []),
  ];
}

describe('every route answers random and malformed requests with a well-formed 4xx and no stored change', () => {
  it('has the allowed errors of every handler a route reaches', () => {
    const missing = [...new Set(routes.map((route) => route.handler))].filter((handler) => ALLOWED_ERRORS[handler] === undefined);
    expect(missing, 'list the error codes these handlers may answer with in ALLOWED_ERRORS').toEqual([]);
  });

  for (const route of routes) {
    it(`${route.method} ${route.path}`, async () => {
      await fc.assert(
        fc.asyncProperty(recipes(route), async (recipe) => {
          const before = lastKnown ?? (await snapshot());
          lastKnown = undefined;
          const outcome = await send(route, recipe);
          tally(route, outcome);
          await check(route, recipe, outcome, before);
        }),
        fuzzParameters(Number(process.env.FUZZ_RUNS ?? 40), regressions(route)),
      );
    });
  }
});
