/**
 * API Gateway REST proxy events to the core's HttpRequest, and HttpResponse back to proxy results.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from '../../core/http/http.js';

function lowerCaseKeys(values: Record<string, (string | undefined)[] | undefined> | null | undefined): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, list] of Object.entries(values ?? {})) {
    const present = (list ?? []).filter((value): value is string => value !== undefined);
    const key = name.toLowerCase();
    result[key] = [...(result[key] ?? []), ...present];
  }
  return result;
}

function singleToMulti(values: Record<string, string | undefined> | null | undefined): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(values ?? {})) if (value !== undefined) result[name] = [value];
  return result;
}

export function toHttpRequest(event: APIGatewayProxyEvent): HttpRequest {
  // multiValue* keep repeated headers and query parameters; sam local and older tools may send
  // only the single-value maps.
  const headers = lowerCaseKeys(event.multiValueHeaders ?? singleToMulti(event.headers));
  const query = event.multiValueQueryStringParameters ?? singleToMulti(event.queryStringParameters);
  const pathParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) if (value !== undefined) pathParameters[name] = value;
  const body = event.body === null || event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return {
    method: event.httpMethod,
    path: event.path,
    headers,
    query: Object.fromEntries(Object.entries(query).map(([name, list]) => [name, (list ?? []).filter((v): v is string => v !== undefined)])),
    pathParameters,
    body,
  };
}

export function toProxyResult(response: HttpResponse): APIGatewayProxyResult {
  return { statusCode: response.status, headers: { ...response.headers }, body: response.body };
}
