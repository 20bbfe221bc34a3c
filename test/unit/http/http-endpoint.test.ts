/** The middleware every HTTP handler wears: errors become OAuth error responses, never stack traces. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpEndpoint } from '../../../lambdas/adapters/http/http-endpoint.js';
import { invalidBearerToken } from '../../../lambdas/core/errors.js';
import { routes } from '../../../lambdas/routes.js';
import { toProxyEvent } from '../../../local/router.js';

describe('httpEndpoint error handling', () => {
  afterEach(() => vi.restoreAllMocks());

  const route = routes.find((candidate) => candidate.path === '/token');
  if (!route) throw new Error('no /token route');
  const event = toProxyEvent({ method: 'POST', url: '/token', headers: {}, body: 'grant_type=x' }, route, {});
  const context = { awsRequestId: 'test-request' } as Parameters<ReturnType<typeof httpEndpoint>>[1];

  it('answers an unexpected failure with server_error, no-store and no detail, and logs it', async () => {
    const log = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const handler = httpEndpoint(async () => {
      throw new Error('socket hang up at 10.0.0.12:8000');
    });
    const result = await handler(event, context);
    expect(result.statusCode).toBe(500);
    expect(result.headers).toMatchObject({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    expect(JSON.parse(result.body).error).toBe('server_error');
    expect(result.body).not.toContain('10.0.0.12');
    // One JSON line on stderr (Powertools Logger, lambdas/adapters/observability/): the error, not the request.
    expect(log).toHaveBeenCalledTimes(1);
    const line = JSON.parse(String(log.mock.calls[0]?.[0])) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'ERROR', message: 'unexpected error', error: { name: 'Error', message: 'socket hang up at 10.0.0.12:8000' } });
    expect(String(log.mock.calls[0]?.[0])).not.toContain('grant_type=x');
  });

  it('answers an OAuth error with its code, its headers and no-store, without logging it', async () => {
    const log = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const handler = httpEndpoint(async () => {
      throw invalidBearerToken('a valid initial access token is required');
    });
    const result = await handler(event, context);
    expect(result.statusCode).toBe(401);
    expect(result.headers).toMatchObject({ 'Cache-Control': 'no-store', 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    expect(JSON.parse(result.body)).toEqual({ error: 'invalid_token', error_description: 'a valid initial access token is required' });
    expect(log).not.toHaveBeenCalled();
  });

  it('passes the endpoint’s own response through', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const handler = httpEndpoint(async (request) => ({ status: 200, headers: { 'X-Method': request.method }, body: request.body ?? '' }));
    expect(await handler(event, context)).toEqual({ statusCode: 200, headers: { 'X-Method': 'POST' }, body: 'grant_type=x' });
  });
});
