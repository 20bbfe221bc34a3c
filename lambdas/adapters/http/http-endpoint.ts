/**
 * Every HTTP Lambda handler is `httpEndpoint(endpoint)`: a thin middy handler around a core
 * endpoint function. The middleware turns the proxy event into an HttpRequest, and any error into
 * the OAuth error response through the whitelist serializer, so that an unexpected failure is a
 * `server_error` to the client and a log line for the operator, never a stack trace on the wire.
 * Around it: logs, metrics and traces (lambdas/adapters/observability/).
 */
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { OAuthError, toErrorResponse } from '../../core/errors.js';
import { NO_STORE, type HttpRequest, type HttpResponse } from '../../core/http/http.js';
import type { Telemetry } from '../../core/ports.js';
import { correlate } from '../observability/correlation.js';
import { observeInvocation } from '../observability/middleware.js';
import { logger } from '../observability/powertools.js';
import { requestOutcome } from '../observability/request-outcome.js';
import { powertoolsTelemetry } from '../observability/telemetry.js';
import { toHttpRequest, toProxyResult } from './api-gateway.js';

export type Endpoint = (request: HttpRequest) => Promise<HttpResponse>;

/** What an endpoint may use from its wrapper: the Telemetry port for the core's own metrics. */
export interface EndpointContext {
  readonly telemetry: Telemetry;
}

/** Logs what the client is not told. Only the error (name, message, stack, cause): never the request. */
function logUnexpected(error: unknown): void {
  logger.error('unexpected error', { error: error instanceof Error ? error : String(error) });
}

const errorResponses: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> = {
  name: 'errorResponses',
  onError: function respondWithOAuthError(request) {
    const error = request.error;
    // A 503 the endpoint chose (an unavailable dependency) was logged where it was decided.
    if (!(error instanceof OAuthError) || error.status === 500) logUnexpected(error);
    const { status, headers, body } = toErrorResponse(error);
    request.response = {
      statusCode: status,
      headers: { 'Content-Type': 'application/json', ...NO_STORE, ...headers },
      body: JSON.stringify(body),
    };
  },
};

/**
 * The auth_req_id a request is about, where the request names it: the path (device API, external
 * callback), the query (automated approval) or the token request's form. Only read, never trusted:
 * it labels log lines, and an unknown one labels lines of a failed request.
 */
function authReqIdIn(request: HttpRequest): string | undefined {
  const named = request.pathParameters.auth_req_id ?? request.query.auth_req_id?.[0];
  if (named !== undefined) return named;
  const type = request.headers['content-type']?.[0] ?? '';
  if (request.body === undefined || !type.startsWith('application/x-www-form-urlencoded')) return undefined;
  return new URLSearchParams(request.body).get('auth_req_id') ?? undefined;
}

/** The auth_req_id a successful backchannel authentication response hands out (CIBA Core §7.3). */
function authReqIdOut(response: HttpResponse): string | undefined {
  if (response.status !== 200 || !response.body.includes('"auth_req_id"')) return undefined;
  const id = (JSON.parse(response.body) as { auth_req_id?: unknown }).auth_req_id;
  return typeof id === 'string' ? id : undefined;
}

export function httpEndpoint(endpoint: (request: HttpRequest, context: EndpointContext) => Promise<HttpResponse>) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(observeInvocation())
    .use(requestOutcome)
    .use(errorResponses)
    .handler(async function handleHttpRequest(event) {
      const request = toHttpRequest(event);
      correlate(authReqIdIn(request));
      const response = await endpoint(request, { telemetry: powertoolsTelemetry });
      correlate(authReqIdOut(response));
      return toProxyResult(response);
    });
}
