/**
 * The local runner's router: routing as API Gateway does it, and the REST API proxy event it builds.
 */
import { describe, expect, it } from 'vitest';
import { toHttpRequest } from '../../lambdas/adapters/http/api-gateway.js';
import { dispatch, matchRoute, toProxyEvent } from '../../local/router.js';
import { ALL_FEATURES } from '../support/provider.js';

describe('routing', () => {
  it('answers 404 for an unknown path', async () => {
    const response = await dispatch({ method: 'GET', url: '/no/such/path', headers: {} }, ALL_FEATURES);
    expect(response.status).toBe(404);
  });

  it('answers 404 for a path that only extends a known one', async () => {
    expect((await dispatch({ method: 'GET', url: '/jwks/extra', headers: {} }, ALL_FEATURES)).status).toBe(404);
    expect((await dispatch({ method: 'GET', url: '/device/auth-requests/a/b', headers: {} }, ALL_FEATURES)).status).toBe(404);
  });

  it('answers 405 for a known path with the wrong method', async () => {
    expect((await dispatch({ method: 'GET', url: '/token', headers: {} }, ALL_FEATURES)).status).toBe(405);
    expect((await dispatch({ method: 'POST', url: '/jwks', headers: {} }, ALL_FEATURES)).status).toBe(405);
    expect((await dispatch({ method: 'DELETE', url: '/register', headers: {} }, ALL_FEATURES)).status).toBe(405);
  });

  it('answers 404, not 405, for a route whose feature is off', async () => {
    expect((await dispatch({ method: 'GET', url: '/test/ciba/approve', headers: {} }, new Set())).status).toBe(404);
    expect((await dispatch({ method: 'GET', url: '/test/ciba/approve', headers: {} }, ALL_FEATURES)).status).toBe(405);
  });

  it('answers 404 for a path parameter that is not valid percent-encoding', async () => {
    const response = await dispatch({ method: 'GET', url: '/device/auth-requests/%E0%A4%A', headers: {} }, ALL_FEATURES);
    expect(response.status).toBe(404);
  });
});

describe('toProxyEvent', () => {
  const url = '/device/auth-requests/abc%2Fd%C3%A9f?x=1&x=2&y=3';
  const found = matchRoute('GET', '/device/auth-requests/abc%2Fd%C3%A9f', ALL_FEATURES);

  it('matches the parameterised route', () => {
    expect(found).toMatchObject({ route: { method: 'GET', path: '/device/auth-requests/{auth_req_id}' } });
  });

  const event = () => {
    if (typeof found !== 'object') throw new Error('route not matched');
    return toProxyEvent({ method: 'GET', url, headers: { 'x-repeat': ['a', 'b'], accept: 'application/json' } }, found.route, found.pathParameters);
  };

  it('keeps every value of a repeated header and query parameter', () => {
    const built = event();
    expect(built.multiValueHeaders['x-repeat']).toEqual(['a', 'b']);
    expect(built.multiValueHeaders.accept).toEqual(['application/json']);
    expect(built.multiValueQueryStringParameters).toEqual({ x: ['1', '2'], y: ['3'] });
  });

  it('decodes path parameters and names the route template as the resource', () => {
    const built = event();
    expect(built.pathParameters).toEqual({ auth_req_id: 'abc/déf' });
    expect(built.resource).toBe('/device/auth-requests/{auth_req_id}');
    expect(built.requestContext.resourcePath).toBe('/device/auth-requests/{auth_req_id}');
    expect(built.httpMethod).toBe('GET');
    expect(built.path).toBe('/device/auth-requests/abc%2Fd%C3%A9f');
  });

  it('reaches the core with every value intact', () => {
    const request = toHttpRequest(event());
    expect(request.headers['x-repeat']).toEqual(['a', 'b']);
    expect(request.query.x).toEqual(['1', '2']);
    expect(request.pathParameters.auth_req_id).toBe('abc/déf');
  });

  // Found by test/fuzz/endpoints.test.ts: `?__proto__=` crashed the router with a TypeError.
  it('keeps a header and a query parameter named __proto__ as ordinary members', () => {
    const route = matchRoute('GET', '/jwks', ALL_FEATURES);
    if (typeof route !== 'object') throw new Error('route not matched');
    const built = toProxyEvent({ method: 'GET', url: '/jwks?__proto__=1&__proto__=2', headers: JSON.parse('{"__proto__":"x"}') as Record<string, string> }, route.route, route.pathParameters);
    expect(Object.getOwnPropertyDescriptor(built.multiValueQueryStringParameters, '__proto__')?.value).toEqual(['1', '2']);
    expect(Object.getOwnPropertyDescriptor(built.multiValueHeaders, '__proto__')?.value).toEqual(['x']);
    expect(Object.getPrototypeOf(built.multiValueHeaders)).toBe(Object.prototype);
  });

  it('sends no query maps and a null body when there are none', () => {
    const route = matchRoute('GET', '/jwks', ALL_FEATURES);
    if (typeof route !== 'object') throw new Error('route not matched');
    const built = toProxyEvent({ method: 'GET', url: '/jwks', headers: {} }, route.route, route.pathParameters);
    expect(built.queryStringParameters).toBeNull();
    expect(built.multiValueQueryStringParameters).toBeNull();
    expect(built.pathParameters).toBeNull();
    expect(built.body).toBeNull();
  });
});
