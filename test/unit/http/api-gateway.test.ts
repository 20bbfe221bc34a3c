/** API Gateway REST proxy events to the core's HttpRequest (lambdas/adapters/http/api-gateway.ts). */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { toHttpRequest } from '../../../lambdas/adapters/http/api-gateway.js';

/** An event as the Lambda runtime hands it over: parsed from API Gateway's JSON, so every name is an own member. */
function event(json: string): APIGatewayProxyEvent {
  return JSON.parse(json) as APIGatewayProxyEvent;
}

describe('toHttpRequest', () => {
  // Found by test/fuzz/endpoints.test.ts: a header named __proto__ (a valid HTTP token) made
  // `result[key] ?? []` read Object.prototype, and spreading it threw a TypeError: a 500.
  it('keeps a header named __proto__ as an ordinary header, in either case', () => {
    const request = toHttpRequest(
      event('{"httpMethod":"POST","path":"/token","multiValueHeaders":{"__proto__":["a"],"__PROTO__":["b"],"Content-Type":["application/json"]},"body":null}'),
    );
    expect(Object.getOwnPropertyDescriptor(request.headers, '__proto__')?.value).toEqual(['a', 'b']);
    expect(request.headers['content-type']).toEqual(['application/json']);
    expect(Object.getPrototypeOf(request.headers)).toBe(Object.prototype);
  });

  it('keeps a single-value header and query parameter named __proto__ (events without the multi-value maps)', () => {
    const request = toHttpRequest(event('{"httpMethod":"GET","path":"/jwks","headers":{"__proto__":"a"},"queryStringParameters":{"__proto__":"q"},"body":null}'));
    expect(Object.getOwnPropertyDescriptor(request.headers, '__proto__')?.value).toEqual(['a']);
    expect(Object.getOwnPropertyDescriptor(request.query, '__proto__')?.value).toEqual(['q']);
  });

  it('merges headers whose names differ only in case, keeping every value', () => {
    const request = toHttpRequest(event('{"httpMethod":"POST","path":"/token","multiValueHeaders":{"Authorization":["Basic a"],"authorization":["Basic b"]},"body":null}'));
    expect(request.headers.authorization).toEqual(['Basic a', 'Basic b']);
  });
});
