/** The middleware every HTTP handler wears: errors become OAuth error responses, never stack traces. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpEndpoint } from '../../../lambdas/adapters/http/http-endpoint.js';
import { invalidBearerToken } from '../../../lambdas/core/errors.js';
import { routes } from '../../../lambdas/routes.js';
import { toProxyEvent } from '../../../local/router.js';

/**
 * The JSON log lines among what was written to stderr. The spy sees every write of this worker process,
 * so a stray write from elsewhere (the test runner's own) must not count as a log line.
 */
function logLines(log: { mock: { calls: unknown[][] } }): Record<string, unknown>[] {
  return log.mock.calls.flatMap(([chunk]) => {
    try {
      const parsed = JSON.parse(String(chunk)) as unknown;
      return typeof parsed === 'object' && parsed !== null && 'level' in parsed ? [parsed as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

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
    const lines = logLines(log);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'ERROR', message: 'unexpected error', error: { name: 'Error', message: 'socket hang up at 10.0.0.12:8000' } });
    expect(JSON.stringify(lines[0])).not.toContain('grant_type=x');
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
    expect(logLines(log)).toEqual([]);
  });

  it('passes the endpoint’s own response through', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const handler = httpEndpoint(async (request) => ({ status: 200, headers: { 'X-Method': request.method }, body: request.body ?? '' }));
    expect(await handler(event, context)).toEqual({ statusCode: 200, headers: { 'X-Method': 'POST' }, body: 'grant_type=x' });
  });
});
