/**
 * Reading request bodies strictly: the right content type, a bounded size, and no parameter twice
 * (but for RFC 8707's `resource`, the one parameter a specification lets repeat).
 */
import { InvalidRequest, type OAuthErrorClass } from '../errors.js';
import { header, type HttpRequest } from './http.js';

/**
 * RFC 8707 §2: `resource` may be given several times, once per target resource. It is the only
 * exception to RFC 6749 §3.1; every other parameter still must not repeat.
 */
export const REPEATABLE_PARAMETERS: ReadonlySet<string> = new Set(['resource']);

/**
 * Form parameters of one request. `get` gives a parameter's value (the first, for a repeatable one);
 * `getAll` every value of a repeatable parameter, in order.
 */
export interface FormParameters extends ReadonlyMap<string, string> {
  getAll(name: string): readonly string[];
}

class Form extends Map<string, string> implements FormParameters {
  private readonly repeated = new Map<string, string[]>();

  add(name: string, value: string): void {
    if (!this.has(name)) this.set(name, value);
    if (REPEATABLE_PARAMETERS.has(name)) this.repeated.set(name, [...(this.repeated.get(name) ?? []), value]);
  }

  getAll(name: string): readonly string[] {
    const value = this.get(name);
    return this.repeated.get(name) ?? (value === undefined ? [] : [value]);
  }
}

/** Form parameters from pairs, as readForm would hold them (for callers that build a form). */
export function formParameters(pairs: Iterable<readonly [string, string]>): FormParameters {
  const form = new Form();
  for (const [name, value] of pairs) form.add(name, value);
  return form;
}

/** The largest body any endpoint accepts. Signed requests with certificate chains fit well within it. */
export const MAX_BODY_BYTES = 64 * 1024;
/** The longest value of any single form parameter; specific parameters have tighter limits. */
export const MAX_PARAMETER_LENGTH = 16 * 1024;

function mediaType(request: HttpRequest): string | undefined {
  return header(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
}

function checkBodySize(request: HttpRequest, error: OAuthErrorClass): string {
  const body = request.body ?? '';
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) throw new error(`request body exceeds ${MAX_BODY_BYTES} bytes`);
  return body;
}

/**
 * Parses an `application/x-www-form-urlencoded` body (RFC 6749 §3.2, CIBA Core §7.1).
 * RFC 6749 §3.1: request parameters MUST NOT be included more than once; RFC 8707 §2 makes the
 * exception of `resource`, which names one target per occurrence.
 */
export function readForm(request: HttpRequest): FormParameters {
  if (mediaType(request) !== 'application/x-www-form-urlencoded') {
    throw new InvalidRequest('Content-Type must be application/x-www-form-urlencoded');
  }
  const body = checkBodySize(request, InvalidRequest);
  const parameters = new Form();
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(body)) {
    if (seen.has(name) && !REPEATABLE_PARAMETERS.has(name)) throw new InvalidRequest(`parameter ${safeName(name)} is included more than once`);
    seen.add(name);
    if (value.length > MAX_PARAMETER_LENGTH) throw new InvalidRequest(`parameter ${safeName(name)} is too long`);
    // RFC 6749 §3.1: parameters sent without a value are treated as if they were omitted.
    if (value !== '') parameters.add(name, value);
  }
  return parameters;
}

/**
 * The deepest nesting of objects and arrays a JSON body may have. No message of this API needs more
 * than five levels; the bound keeps what is stored within DynamoDB's 32 levels of nested attributes
 * (deeper fails the write: a 500) and keeps recursive steps such as canonical JSON off the stack limit.
 */
export const MAX_JSON_DEPTH = 16;

/** Whether a parsed JSON value nests deeper than `limit`; iterative, so any depth is measured safely. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [current, depth] = next;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > limit) return true;
    for (const member of Object.values(current)) pending.push([member, depth + 1]);
  }
  return false;
}

/** Parses an `application/json` body whose top level is an object. */
export function readJsonObject(request: HttpRequest, error: OAuthErrorClass = InvalidRequest): Record<string, unknown> {
  if (mediaType(request) !== 'application/json') throw new error('Content-Type must be application/json');
  const body = checkBodySize(request, error);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new error('request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new error('request body must be a JSON object');
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) throw new error(`request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`);
  return parsed as Record<string, unknown>;
}

/** A parameter name fit to quote in an error description. */
export function safeName(name: string): string {
  return /^[\w.:-]{1,64}$/.test(name) ? name : '(unnamed)';
}
