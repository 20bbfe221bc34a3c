/**
 * With POWERTOOLS_TRACE_ENABLED=true in Lambda, the Powertools Tracer is loaded and wraps the handler
 * (lambdas/adapters/observability/middleware.ts); without it, it is never loaded. The variables are
 * read when the observability module loads, so each case loads the modules afresh.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { routes } from '../../../lambdas/routes.js';
import { toProxyEvent } from '../../../local/router.js';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const route = routes.find((candidate) => candidate.path === '/.well-known/openid-configuration')!;
const event = toProxyEvent({ method: 'GET', url: route.path, headers: {} }, route, {});
const context = { awsRequestId: 'tracing-test', functionName: 'discovery', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

async function freshModules(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const { tracer } = await import('../../../lambdas/adapters/observability/powertools.js');
  const { handler } = (await import('../../../lambdas/handlers/discovery.js')) as { handler: Handler };
  return { tracer, handler };
}

describe('the tracer', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.doUnmock('@aws-lambda-powertools/tracer');
  });

  it('is loaded in Lambda with POWERTOOLS_TRACE_ENABLED=true, and the handler still answers', async () => {
    const { tracer, handler } = await freshModules({ POWERTOOLS_TRACE_ENABLED: 'true', AWS_LAMBDA_FUNCTION_NAME: 'discovery', AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR' });
    expect(tracer).toBeDefined();
    expect((await tracer)?.constructor.name).toBe('Tracer');
    expect((await handler(event, context)).statusCode).toBe(200);
  });

  it('left out of the bundle (no detailedTracing) while enabled, leaves the handler answering untraced, with a warning', async () => {
    vi.doMock('@aws-lambda-powertools/tracer', () => {
      throw new Error('Cannot find package @aws-lambda-powertools/tracer');
    });
    const warnings = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { tracer, handler } = await freshModules({ POWERTOOLS_TRACE_ENABLED: 'true', AWS_LAMBDA_FUNCTION_NAME: 'discovery' });
    expect(await tracer).toBeUndefined();
    expect((await handler(event, context)).statusCode).toBe(200);
    expect(warnings.mock.calls.map(([line]) => String(line)).join('')).toContain('the tracer is not in this bundle');
  });

  it('is not loaded otherwise', async () => {
    const { tracer, handler } = await freshModules({ POWERTOOLS_TRACE_ENABLED: undefined, AWS_LAMBDA_FUNCTION_NAME: 'discovery' });
    expect(tracer).toBeUndefined();
    expect((await handler(event, context)).statusCode).toBe(200);
  });
});
