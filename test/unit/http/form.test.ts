/** Strict form bodies (RFC 6749 §3.1, §3.2, CIBA Core §7.1). */
import { describe, expect, it } from 'vitest';
import { InvalidClientMetadata, OAuthError } from '../../../lambdas/core/errors.js';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_PARAMETER_LENGTH, readForm, readJsonObject } from '../../../lambdas/core/http/form.js';
import type { HttpRequest } from '../../../lambdas/core/http/http.js';

const FORM = 'application/x-www-form-urlencoded';

/** `null` sends no Content-Type at all. */
function request(body: string | undefined, contentType: string | string[] | null = FORM): HttpRequest {
  const types = contentType === null ? undefined : Array.isArray(contentType) ? contentType : [contentType];
  return { method: 'POST', path: '/token', headers: types ? { 'content-type': types } : {}, query: {}, pathParameters: {}, body };
}

function refusal(body: string | undefined, contentType: string | string[] | null = FORM): string | undefined {
  try {
    readForm(request(body, contentType));
    return undefined;
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return error.error;
  }
}

describe('readForm', () => {
  it('reads each parameter, percent- and plus-decoded', () => {
    const form = readForm(request('grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&binding_message=Pay+%C2%A3500'));
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'urn:openid:params:grant-type:ciba', binding_message: 'Pay £500' });
  });

  it('accepts the media type with a charset parameter and in any case', () => {
    expect(readForm(request('a=1', `${FORM}; charset=UTF-8`)).get('a')).toBe('1');
    expect(readForm(request('a=1', 'Application/X-WWW-Form-URLEncoded;charset=utf-8')).get('a')).toBe('1');
  });

  it.each([['application/json'], ['text/plain'], ['multipart/form-data; boundary=x'], [`${FORM}x`]])('refuses Content-Type %s: invalid_request', (type) => {
    expect(refusal('a=1', type)).toBe('invalid_request');
  });

  it('refuses a body without Content-Type, and a repeated Content-Type', () => {
    expect(refusal('a=1', null)).toBe('invalid_request');
    expect(refusal('a=1', [FORM, FORM])).toBe('invalid_request');
  });

  it('reads an empty or absent body as no parameters', () => {
    expect(readForm(request('')).size).toBe(0);
    expect(readForm(request(undefined)).size).toBe(0);
  });

  it('refuses a parameter sent twice, with the same or different values', () => {
    expect(refusal('scope=openid&scope=openid')).toBe('invalid_request');
    expect(refusal('scope=openid&login_hint=a&scope=email')).toBe('invalid_request');
  });

  it('lets resource, and only resource, repeat (RFC 8707 §2): getAll gives every value in order', () => {
    const form = readForm(request('resource=https%3A%2F%2Fa.example&scope=openid&resource=urn%3Ab&resource=https%3A%2F%2Fa.example'));
    expect(form.getAll('resource')).toEqual(['https://a.example', 'urn:b', 'https://a.example']);
    expect(form.get('resource')).toBe('https://a.example');
    expect(form.getAll('scope')).toEqual(['openid']);
    expect(form.getAll('login_hint')).toEqual([]);
    expect(refusal('resource=urn%3Aa&resource=urn%3Ab&scope=openid&scope=email')).toBe('invalid_request');
    expect(refusal('Resource=urn%3Aa&Resource=urn%3Ab')).toBe('invalid_request');
  });

  it('treats an empty value as omitted (RFC 6749 §3.1)', () => {
    const form = readForm(request('binding_message=&login_hint=jane.doe&acr_values'));
    expect(form.has('binding_message')).toBe(false);
    expect(form.has('acr_values')).toBe(false);
    expect(Object.fromEntries(form)).toEqual({ login_hint: 'jane.doe' });
  });

  it('still refuses a parameter repeated when one of its values is empty', () => {
    expect(refusal('login_hint=&login_hint=jane.doe')).toBe('invalid_request');
    expect(refusal('login_hint=jane.doe&login_hint=')).toBe('invalid_request');
    expect(refusal('login_hint=&login_hint=')).toBe('invalid_request');
  });

  it(`accepts a body of ${MAX_BODY_BYTES} bytes and refuses one byte more`, () => {
    const chunk = MAX_PARAMETER_LENGTH - 10;
    const parameters: string[] = [];
    let length = -1;
    for (let i = 0; length + chunk + 20 < MAX_BODY_BYTES; i++) {
      const parameter = `p${i}=${'x'.repeat(chunk)}`;
      parameters.push(parameter);
      length += parameter.length + 1;
    }
    const body = parameters.join('&');
    const padded = `${body}&pad=${'y'.repeat(MAX_BODY_BYTES - body.length - 5)}`;
    expect(Buffer.byteLength(padded)).toBe(MAX_BODY_BYTES);
    expect(readForm(request(padded)).size).toBe(parameters.length + 1);
    expect(refusal(`${padded}y`)).toBe('invalid_request');
  });

  it('measures the body in UTF-8 bytes, not in characters', () => {
    const body = `a=${'é'.repeat(MAX_BODY_BYTES / 2)}`;
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    expect(refusal(body)).toBe('invalid_request');
  });

  it(`accepts a value of ${MAX_PARAMETER_LENGTH} characters and refuses one more, counted after decoding`, () => {
    expect(readForm(request(`a=${'x'.repeat(MAX_PARAMETER_LENGTH)}`)).get('a')?.length).toBe(MAX_PARAMETER_LENGTH);
    expect(refusal(`a=${'x'.repeat(MAX_PARAMETER_LENGTH + 1)}`)).toBe('invalid_request');
    expect(refusal(`a=${'%41'.repeat(MAX_PARAMETER_LENGTH + 1)}`)).toBe('invalid_request');
  });

  it('never quotes an odd parameter name in its error description', () => {
    try {
      readForm(request('%3Cscript%3E=1&%3Cscript%3E=2'));
      expect.unreachable('a repeated parameter must be refused');
    } catch (error) {
      expect(error).toBeInstanceOf(OAuthError);
      expect((error as OAuthError).description).not.toContain('<script>');
    }
  });
});

describe('readForm on arbitrary input (bounded fuzz)', () => {
  // A small deterministic generator (mulberry32), so that a failure reproduces.
  function generator(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const random = generator(0x5eed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const pieces = ['%', '%2', '%zz', '%C3', '%C3%A9', '%FF', '%00', '%ED%A0%80', '&', '&&', '=', '==', '+', ';', 'scope', 'openid', 'a', ' ', '\u0000', '\uD800', '😀', 'é'];
  const contentTypes = [FORM, `${FORM}; charset=utf-8`, `${FORM};`, ';', '', 'application/json', null];

  function randomBody(): string {
    switch (Math.floor(random() * 3)) {
      case 0: {
        // random bytes, read as UTF-8 (invalid sequences become U+FFFD) or Latin-1
        const bytes = Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
        return bytes.toString(random() < 0.5 ? 'utf8' : 'latin1');
      }
      case 1:
        return Array.from({ length: Math.floor(random() * 40) }, () => pick(pieces)).join('');
      default:
        // mostly well-formed pairs, some repeated, some huge
        return Array.from({ length: Math.floor(random() * 8) }, () => `${pick(['a', 'b', 'scope', '%61'])}=${random() < 0.05 ? 'x'.repeat(MAX_PARAMETER_LENGTH + 1) : pick(pieces)}`).join('&');
    }
  }

  it('returns a Map of strings or throws an OAuthError, for 500 random bodies', () => {
    let parsed = 0;
    let refused = 0;
    for (let i = 0; i < 500; i++) {
      const body = randomBody();
      const contentType = pick(contentTypes);
      let result: unknown;
      try {
        result = readForm(request(body, contentType));
      } catch (error) {
        expect(error, `body ${JSON.stringify(body)}`).toBeInstanceOf(OAuthError);
        refused++;
        continue;
      }
      expect(result, `body ${JSON.stringify(body)}`).toBeInstanceOf(Map);
      for (const [name, value] of result as Map<unknown, unknown>) {
        expect(typeof name).toBe('string');
        expect(typeof value).toBe('string');
        expect(value).not.toBe('');
      }
      parsed++;
    }
    // Both outcomes were exercised, so the loop tested something.
    expect(parsed).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});

describe('readJsonObject nesting', () => {
  const json = (body: string): HttpRequest => ({ method: 'POST', path: '/register', headers: { 'content-type': ['application/json'] }, query: {}, pathParameters: {}, body });
  const nested = (levels: number): string => `{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;

  it(`accepts a body nested ${MAX_JSON_DEPTH} levels deep`, () => {
    expect(readJsonObject(json(nested(MAX_JSON_DEPTH)))).toHaveProperty('a');
  });

  // Found by test/fuzz: a JWK with a deeply nested extra member was stored as registered, and the
  // write failed on DynamoDB's 32-level limit: a 500 instead of the client's error.
  it('refuses a body nested one level deeper, and one 30,000 levels deep, with the caller-chosen error', () => {
    for (const levels of [MAX_JSON_DEPTH + 1, 30_000]) {
      let refusal: unknown;
      try {
        readJsonObject(json(nested(levels)), InvalidClientMetadata);
      } catch (error) {
        refusal = error;
      }
      expect(refusal, `${levels} levels`).toBeInstanceOf(InvalidClientMetadata);
    }
  });
});
