/**
 * Every HTTP Lambda handler is `httpEndpoint(endpoint)`: a thin middy handler around a core
 * endpoint function. The middleware turns the proxy event into an HttpRequest, and any error into
 * the OAuth error response through the whitelist serializer, so that an unexpected failure is a
 * `server_error` to the client and a log line for the operator, never a stack trace on the wire.
 */
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { OAuthError, toErrorResponse } from '../../core/errors.js';
import { NO_STORE, type HttpRequest, type HttpResponse } from '../../core/http/http.js';
import { toHttpRequest, toProxyResult } from './api-gateway.js';

export type Endpoint = (request: HttpRequest) => Promise<HttpResponse>;

/** Logs what the client is not told. Only the error's name, message and stack: never the request. */
function logUnexpected(error: unknown, context: Context | undefined): void {
  const detail = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { value: String(error) };
  console.error(JSON.stringify({ level: 'ERROR', message: 'unexpected error', requestId: context?.awsRequestId, error: detail }));
}

const errorResponses: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> = {
  name: 'errorResponses',
  onError: function respondWithOAuthError(request) {
    const error = request.error;
    // A 503 the endpoint chose (an unavailable dependency) was logged where it was decided.
    if (!(error instanceof OAuthError) || error.status === 500) logUnexpected(error, request.context);
    const { status, headers, body } = toErrorResponse(error);
    request.response = {
      statusCode: status,
      headers: { 'Content-Type': 'application/json', ...NO_STORE, ...headers },
      body: JSON.stringify(body),
    };
  },
};

export function httpEndpoint(endpoint: Endpoint) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(errorResponses)
    .handler(async function handleHttpRequest(event) {
      return toProxyResult(await endpoint(toHttpRequest(event)));
    });
}
