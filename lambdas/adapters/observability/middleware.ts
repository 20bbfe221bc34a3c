/**
 * The observability middleware every handler uses, in this order:
 *
 *   traceInvocation       Powertools Tracer's captureLambdaHandler, where tracing is on
 *   openCorrelationScope  an empty correlation scope for this invocation (correlation.ts)
 *   injectLambdaContext   Powertools Logger: the Lambda context on every line
 *   logMetrics            Powertools Metrics: flushes the invocation's metrics (EMF) at the end
 *                         (left out, with `metrics: false`, by functions that emit none)
 *
 * middy runs `before` in this order and `after` / `onError` in reverse, so the metrics of the
 * HTTP endpoint (request-outcome.ts, used after these) are added before logMetrics flushes them.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { beginCorrelationScope } from './correlation.js';
import { logger, metrics, tracer } from './powertools.js';

/**
 * captureLambdaHandler once the lazily loaded tracer is there. The response is never added to the
 * trace: token responses carry access, ID and refresh tokens.
 */
function traceInvocation(loading: NonNullable<typeof tracer>): MiddlewareObj {
  const middleware: Promise<MiddlewareObj | undefined> = loading.then(async (loaded) => {
    if (loaded === undefined) return undefined;
    const { captureLambdaHandler } = await import('@aws-lambda-powertools/tracer/middleware');
    return captureLambdaHandler(loaded, { captureResponse: false }) as MiddlewareObj;
  });
  return {
    before: async function openTraceSegment(request: Request) {
      await (await middleware)?.before?.(request);
    },
    after: async function closeTraceSegment(request: Request) {
      await (await middleware)?.after?.(request);
    },
    onError: async function closeFailedTraceSegment(request: Request) {
      await (await middleware)?.onError?.(request);
    },
  };
}

const correlationScope: MiddlewareObj = {
  before: function openCorrelationScope() {
    beginCorrelationScope();
  },
};

/**
 * The middleware list for `middy().use(...)`. `logEvent: false` whatever POWERTOOLS_LOGGER_LOG_EVENT
 * says: an event holds the request's headers and body, credentials included. `resetKeys` drops keys
 * a handler appended, so none outlives its invocation.
 */
export function observeInvocation(options: { readonly metrics: boolean } = { metrics: true }): MiddlewareObj[] {
  return [
    ...(tracer ? [traceInvocation(tracer)] : []),
    correlationScope,
    injectLambdaContext(logger, { logEvent: false, resetKeys: true }) as MiddlewareObj,
    // A function that emits no metrics of its own would only get Powertools' "no metrics" warning.
    ...(options.metrics ? [logMetrics(metrics) as MiddlewareObj] : []),
  ];
}
