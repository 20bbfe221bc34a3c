/**
 * Fuzz properties of the request parsers: form bodies (RFC 6749 §3.1, §3.2), JSON bodies, HTTP Basic
 * client credentials (RFC 6749 §2.3.1), bearer tokens (RFC 6750 §2), compact JWS decoding (RFC 7515)
 * and authorization_details (RFC 9396). Each either returns or throws an OAuthError the specifications
 * name: never another exception, which would reach the client as a 500.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAuthorizationDetails } from '../../lambdas/core/authorization-details/check-authorization-details.js';
import { readClientCredentials } from '../../lambdas/core/client-authentication/read-client-credentials.js';
import { InvalidRequest } from '../../lambdas/core/errors.js';
import { formParameters, readForm, readJsonObject } from '../../lambdas/core/http/form.js';
import type { HttpRequest } from '../../lambdas/core/http/http.js';
import { decodeJws } from '../../lambdas/core/jwt/jws.js';
import type { Client } from '../../lambdas/core/model.js';
import { readBearerToken } from '../../lambdas/core/userinfo/read-bearer-token.js';
import { anyText, base64urlish, deeplyNested, expectResultOrOAuthError, fuzzParameters, hostileJson, mutate, mutateJws } from './arbitraries.js';

const contentTypes = fc.oneof(
  fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=UTF-8',
    'APPLICATION/X-WWW-FORM-URLENCODED',
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'multipart/form-data; boundary=x',
    '',
    ';',
    'application/x-www-form-urlencoded, application/json',
  ),
  anyText(40),
);

/** A request with any headers: each header absent, once, or repeated. */
const requests = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'post', ''),
    contentType: fc.array(contentTypes, { maxLength: 3 }),
    authorization: fc.array(fc.oneof(anyText(60), fc.constantFrom('Basic', 'Basic ', 'Bearer', 'Bearer ', 'Device x.y.z', 'DPoP abc')), { maxLength: 2 }),
    body: fc.option(fc.oneof(anyText(300), fc.constantFrom('a=1&a=2', 'a=%', '=', '&&&', '%zz=1', '__proto__=1&constructor=2')), { nil: undefined }),
    query: fc.dictionary(fc.oneof(fc.constantFrom('access_token', '__proto__'), fc.string({ maxLength: 8 })), fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }), { maxKeys: 3 }),
  })
  .map(
    ({ method, contentType, authorization, body, query }): HttpRequest => ({
      method,
      path: '/token',
      headers: { ...(contentType.length > 0 ? { 'content-type': contentType } : {}), ...(authorization.length > 0 ? { authorization } : {}) },
      query,
      pathParameters: {},
      body,
    }),
  );

const withBody = (body: string, contentType: string): HttpRequest => ({ method: 'POST', path: '/token', headers: { 'content-type': [contentType] }, query: {}, pathParameters: {}, body });

const VALID_FORM = 'grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id=abc-123&client_id=c%20%2B1&scope=openid+email';

describe('readForm', () => {
  it('answers any request with parameters or invalid_request', async () => {
    await fc.assert(fc.asyncProperty(requests, async (request) => void (await expectResultOrOAuthError(() => readForm(request)))), fuzzParameters(300));
  });

  it('answers mutations of a valid form body with parameters or invalid_request', async () => {
    await fc.assert(
      fc.asyncProperty(mutate(VALID_FORM), async (body) => {
        const outcome = (await expectResultOrOAuthError(() => readForm(withBody(body, 'application/x-www-form-urlencoded')))) as { error?: { error: string } };
        if (outcome.error) expect(outcome.error.error).toBe('invalid_request');
      }),
      fuzzParameters(300),
    );
  });

  it('refuses every body that repeats a parameter, wherever the repeat is', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z_]{1,10}$/), { minLength: 1, maxLength: 6 }), fc.nat(), fc.string({ maxLength: 10 }), (names, pick, value) => {
        const repeated = names[pick % names.length] ?? 'a';
        const body = [...names.map((name) => `${name}=v`), `${encodeURIComponent(repeated)}=${encodeURIComponent(value)}`].join('&');
        expect(() => readForm(withBody(body, 'application/x-www-form-urlencoded'))).toThrow(InvalidRequest);
      }),
      fuzzParameters(200),
    );
  });

  it('refuses oversized values and bodies with invalid_request', () => {
    fc.assert(
      fc.property(fc.integer({ min: 16 * 1024 + 1, max: 80 * 1024 }), fc.constantFrom('a', '%C3%A9', '+'), (length, unit) => {
        // `length` decoded characters: over the parameter limit, and for the longer units over the body limit too.
        const body = `x=${unit.repeat(length)}`;
        expect(() => readForm(withBody(body, 'application/x-www-form-urlencoded'))).toThrow(InvalidRequest);
      }),
      fuzzParameters(30),
    );
  });
});

describe('readJsonObject', () => {
  it('answers any request with an object or invalid_request', async () => {
    await fc.assert(fc.asyncProperty(requests, async (request) => void (await expectResultOrOAuthError(() => readJsonObject(request)))), fuzzParameters(300));
  });

  it('answers any JSON text, hostile keys and deep nesting included, with an object or invalid_request', async () => {
    const bodies = fc.oneof(
      hostileJson.map((value) => JSON.stringify(value) ?? ''),
      fc.tuple(fc.integer({ min: 1, max: 30_000 }), fc.constantFrom('array', 'object') as fc.Arbitrary<'array' | 'object'>).map(([depth, kind]) => deeplyNested(depth, kind)),
      mutate('{"enrollment_code":"abc","public_key":{"kty":"EC","crv":"P-256","x":"a","y":"b"},"__proto__":{"admin":true}}'),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const outcome = (await expectResultOrOAuthError(() => readJsonObject(withBody(body, 'application/json')))) as { result?: Record<string, unknown> };
        // JSON.parse makes __proto__ an own member: nothing leaks into Object.prototype.
        expect(({} as Record<string, unknown>).admin).toBeUndefined();
        if (outcome.result) expect(Object.getPrototypeOf(outcome.result)).toBe(Object.prototype);
      }),
      fuzzParameters(300),
    );
  });
});

describe('readClientCredentials', () => {
  const basic = fc.oneof(
    base64urlish(80).map((text) => `Basic ${text}`),
    fc.tuple(anyText(30), anyText(30)).map(([id, secret]) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`),
    mutate(`Basic ${Buffer.from('client%20one:s%3Acret').toString('base64')}`),
    fc.constantFrom('Basic %%%', 'Basic Og==', 'Basic OmE=', 'basic YTpi', 'BASIC  YTpi  ', 'Basic YTpi==='),
  );
  const form = fc.dictionary(fc.constantFrom('client_id', 'client_secret', 'client_assertion', 'client_assertion_type'), anyText(30), { maxKeys: 4 });

  it('answers any Authorization header and form with credentials, invalid_request or invalid_client', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(basic, { maxLength: 2 }), form, async (authorization, parameters) => {
        const request: HttpRequest = { method: 'POST', path: '/token', headers: authorization.length > 0 ? { authorization } : {}, query: {}, pathParameters: {}, body: undefined };
        const outcome = (await expectResultOrOAuthError(() => readClientCredentials(request, formParameters(Object.entries(parameters))))) as { error?: { error: string } };
        if (outcome.error) expect(['invalid_request', 'invalid_client']).toContain(outcome.error.error);
      }),
      fuzzParameters(300),
    );
  });
});

describe('readBearerToken', () => {
  it('answers any request with a token, none, or invalid_request', async () => {
    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        const outcome = (await expectResultOrOAuthError(() => readBearerToken(request))) as { error?: { error: string } };
        if (outcome.error) expect(outcome.error.error).toBe('invalid_request');
      }),
      fuzzParameters(300),
    );
  });
});

// A syntactically valid ES256 JWT (the signature is not checked here).
const SAMPLE_JWS =
  'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJpc3MiOiJjbGllbnQiLCJzdWIiOiJjbGllbnQiLCJhdWQiOiJodHRwczovL2NpYmEudGVzdCIsImV4cCI6MTkwMDAwMDAwMCwianRpIjoiMSJ9.' +
  'c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmF0dXJl';

describe('decodeJws', () => {
  it('answers arbitrary text and mutated tokens with a decoded JWS or the caller-chosen error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyText(300), base64urlish(300), mutateJws(SAMPLE_JWS)), async (token) => {
        const outcome = (await expectResultOrOAuthError(() => decodeJws(token, InvalidRequest, 'the JWT'))) as { error?: { error: string } };
        if (outcome.error) expect(outcome.error.error).toBe('invalid_request');
      }),
      fuzzParameters(300),
    );
  });
});

describe('checkAuthorizationDetails', () => {
  const client = { clientId: 'c', createdAt: 0, metadata: { authorization_details_types: ['payment_initiation'] } } as unknown as Client;
  const valid = [
    { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '12.50' }, creditorName: 'Merchant', creditorAccount: { iban: 'DE02100100109307118603' } },
  ];
  it('answers any value (text, arrays, hostile JSON, deep nesting) with details or invalid_authorization_details', async () => {
    const values = fc.oneof(
      anyText(200),
      hostileJson,
      hostileJson.map((value) => JSON.stringify(value) ?? ''),
      mutate(JSON.stringify(valid)),
      fc.integer({ min: 1, max: 4000 }).map((depth) => `[${deeplyNested(depth, 'object')}]`),
      fc.integer({ min: 1, max: 200 }).map((depth) => [{ ...valid[0], creditorAccount: JSON.parse(deeplyNested(depth, 'object')) as unknown }]),
    );
    await fc.assert(
      fc.asyncProperty(values, async (value) => {
        const outcome = (await expectResultOrOAuthError(() => checkAuthorizationDetails(value, client))) as { error?: { error: string } };
        if (outcome.error) expect(outcome.error.error).toBe('invalid_authorization_details');
      }),
      fuzzParameters(300),
    );
  });
});
