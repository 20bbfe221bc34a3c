/**
 * What became of each HTTP request: one log line (endpoint, status, outcome, latency; never the
 * request itself) and the Requests, ServerErrors and Latency metrics (metric-names.ts). Used before the
 * error responses middleware in the list, so that middleware's `onError` runs first and the outcome
 * is read from what the client was actually told.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { OAuthError } from '../../core/errors.js';
import { METRIC } from './metric-names.js';
import { logger, metrics } from './powertools.js';

type HttpRequest = Request<APIGatewayProxyEvent, APIGatewayProxyResult>;

const startedAt = new WeakMap<object, number>();

/** `ok`, or the OAuth error code the client got: the codes of core/errors.ts, or server_error for anything else. */
function outcomeOf(request: HttpRequest): string {
  if (request.error === undefined || request.error === null) return (request.response?.statusCode ?? 500) < 400 ? 'ok' : 'server_error';
  return request.error instanceof OAuthError ? request.error.error : 'server_error';
}

function recordRequest(request: HttpRequest): void {
  // The route template (`/device/auth-requests/{auth_req_id}`), not the path: a bounded set.
  const endpoint = request.event.resource || 'unknown';
  const outcome = outcomeOf(request);
  const status = request.response?.statusCode ?? 500;
  const latencyMs = Date.now() - (startedAt.get(request) ?? Date.now());
  logger.info('request answered', { endpoint, method: request.event.httpMethod, status, outcome, latencyMs });
  metrics.singleMetric().addDimensions({ endpoint, outcome }).addMetric(METRIC.requests, MetricUnit.Count, 1);
  // Latency per endpoint as a single metric: an `endpoint` dimension added to the shared set would also
  // land on whatever else the process flushes with it (in the local runner, other functions' metrics).
  const perEndpoint = metrics.singleMetric();
  perEndpoint.addDimension('endpoint', endpoint);
  perEndpoint.addMetric(METRIC.latency, MetricUnit.Milliseconds, latencyMs);
  // ServerErrors in the shared set, by service only (what the alarm needs), so every invocation flushes one.
  metrics.addMetric(METRIC.serverErrors, MetricUnit.Count, status >= 500 ? 1 : 0);
}

export const requestOutcome: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> = {
  before: function startClock(request) {
    startedAt.set(request, Date.now());
  },
  after: function recordAnsweredRequest(request) {
    recordRequest(request);
  },
  onError: function recordFailedRequest(request) {
    recordRequest(request);
  },
};
