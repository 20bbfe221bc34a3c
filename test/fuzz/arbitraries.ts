/**
 * Inputs for the fuzz properties (fast-check): arbitrary text and bytes, and "almost valid" inputs made
 * by mutating valid ones (truncation, a flipped bit, a duplicated or dropped part, odd encodings), which
 * reach deeper into a parser than random noise does.
 *
 * Every property runs with a fixed seed (FUZZ_SEED overrides it) and a bounded number of runs, so a
 * failure is reproducible: fast-check prints the seed and the shrunk counterexample.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { OAuthError } from '../../lambdas/core/errors.js';

/** The seed of every fuzz property; set FUZZ_SEED to replay another run. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_240_908);

/** fast-check parameters: the fixed seed, a bounded run count, and regression examples. */
export function fuzzParameters<T>(numRuns: number, examples: T[] = []): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns, examples, endOnFailure: false };
}

/** The OAuth error codes each part of the protocol may answer with; anything else is a defect. */
export const SPEC_ERROR_CODES: ReadonlySet<string> = new Set([
  // RFC 6749 §5.2
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope',
  // CIBA Core §11, §13
  'expired_login_hint_token', 'unknown_user_id', 'missing_user_code', 'invalid_user_code', 'invalid_binding_message',
  'access_denied', 'authorization_pending', 'slow_down', 'expired_token',
  // RFC 9396 §5, RFC 7591 §3.2.2, RFC 6750 §3.1, RFC 7009 §2.2.1
  'invalid_authorization_details', 'invalid_client_metadata', 'invalid_token', 'insufficient_scope', 'unsupported_token_type',
  // the device API (docs/device-api.openapi.yaml)
  'not_found', 'request_not_pending',
]);

/**
 * The property every parser and verifier keeps: it returns, or it throws an OAuthError with a code the
 * specifications name and a 4xx status. Any other exception would reach the client as a 500.
 */
export async function expectResultOrOAuthError(run: () => unknown): Promise<unknown> {
  try {
    return { result: await run() };
  } catch (error) {
    if (!(error instanceof OAuthError)) throw new Error(`not an OAuthError: ${String(error)}`, { cause: error });
    expect(SPEC_ERROR_CODES.has(error.error), error.error).toBe(true);
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(500);
    return { error };
  }
}

/** Text of every kind: ASCII, full Unicode (lone surrogates included), control characters. */
export const anyText = (maxLength = 200): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: fc.constantFrom('%', '+', '=', '&', '.', '-', '_', '/', '\\', '"', '\u0000', '\uD800', 'é', '%00', '%ZZ', '%C3', 'a', 'Z', '9'), maxLength }),
  );

/** Base64url-ish text: the right alphabet, padding, and characters a strict decoder refuses. */
export const base64urlish = (maxLength = 120): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', '=', '+', '/', ' ', '.', '%'), maxLength });

/** JSON values with the keys attackers like: __proto__, constructor, duplicate-looking names. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'alg', 'kid', 'typ', 'keys', 'aud', 'exp'), fc.string({ maxLength: 8 })), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

/** JSON text nested `depth` levels deep, as arrays or objects. */
export function deeplyNested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** One mutation of a string: cut, a flipped bit, an inserted, doubled or dropped piece, or padding. */
export function mutate(valid: string): fc.Arbitrary<string> {
  const at = fc.nat({ max: Math.max(0, valid.length) });
  return fc.oneof(
    at.map((i) => valid.slice(0, i)),
    fc.tuple(at, fc.integer({ min: 0, max: 15 })).map(([i, bit]) =>
      i >= valid.length ? valid : valid.slice(0, i) + String.fromCharCode(valid.charCodeAt(i) ^ (1 << bit)) + valid.slice(i + 1),
    ),
    fc.tuple(at, anyText(8)).map(([i, text]) => valid.slice(0, i) + text + valid.slice(i)),
    fc.tuple(at, fc.nat({ max: 40 })).map(([i, n]) => valid.slice(0, i) + valid.slice(i + n)),
    fc.tuple(at, fc.nat({ max: 40 })).map(([i, n]) => valid.slice(0, i) + valid.slice(i, i + n) + valid.slice(i)),
    fc.constantFrom('=', '==', '%3D', '\n', ' ', '\u00a0').map((padding) => valid + padding),
  );
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');

/** A compact JWS (or something shaped like one) made by mutating the valid `token`. */
export function mutateJws(token: string): fc.Arbitrary<string> {
  const parts = token.split('.');
  const segment = fc.nat({ max: 2 });
  return fc.oneof(
    mutate(token),
    // one segment mutated, the others intact
    segment.chain((i) => mutate(parts[i] ?? '').map((mutated) => parts.map((part, j) => (j === i ? mutated : part)).join('.'))),
    // one segment replaced by hostile JSON, well encoded
    fc.tuple(segment, hostileJson).map(([i, value]) => parts.map((part, j) => (j === i ? encode(value) : part)).join('.')),
    // the header kept but its members changed: alg none, HS256, crit, odd kid and typ
    fc
      .record({ alg: fc.constantFrom('none', 'HS256', 'ES256', 'RS256', 'PS256', 'EdDSA', 'es256', undefined), kid: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)), crit: fc.constantFrom(undefined, ['exp']), typ: fc.oneof(fc.string(), fc.constant(undefined)) }, { requiredKeys: [] })
      .map((header) => [encode(header), parts[1], parts[2]].join('.')),
    // the wrong number of segments
    fc.integer({ min: 0, max: 6 }).map((n) => Array.from({ length: n }, (_, k) => parts[k % 3]).join('.')),
    // a header or payload that is base64url of JSON nested past any sane depth
    fc.tuple(segment, fc.integer({ min: 50, max: 3000 }), fc.constantFrom('array', 'object') as fc.Arbitrary<'array' | 'object'>).map(([i, depth, kind]) =>
      parts.map((part, j) => (j === i ? Buffer.from(deeplyNested(depth, kind)).toString('base64url') : part)).join('.'),
    ),
  );
}
