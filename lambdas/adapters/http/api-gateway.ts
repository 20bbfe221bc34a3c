/**
 * API Gateway REST proxy events to the core's HttpRequest, and HttpResponse back to proxy results.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from '../../core/http/http.js';

/*
 * Names come from the client: a header or query parameter may be called `__proto__` (a valid HTTP
 * token, an own member of the event API Gateway sends as JSON). Collected in a Map and turned into an
 * object with Object.fromEntries, such a name stays an ordinary member: never `obj[name] = ...`, which
 * would set the prototype or read Object.prototype and fail with a TypeError (a 500).
 */
function lowerCaseKeys(values: Record<string, (string | undefined)[] | undefined> | null | undefined): Record<string, string[]> {
  const result = new Map<string, string[]>();
  for (const [name, list] of Object.entries(values ?? {})) {
    const present = (list ?? []).filter((value): value is string => value !== undefined);
    const key = name.toLowerCase();
    result.set(key, [...(result.get(key) ?? []), ...present]);
  }
  return Object.fromEntries(result);
}

function singleToMulti(values: Record<string, string | undefined> | null | undefined): Record<string, string[]> {
  return Object.fromEntries(Object.entries(values ?? {}).flatMap(([name, value]) => (value === undefined ? [] : [[name, [value]]])));
}

export function toHttpRequest(event: APIGatewayProxyEvent): HttpRequest {
  // multiValue* keep repeated headers and query parameters; sam local and older tools may send
  // only the single-value maps.
  const headers = lowerCaseKeys(event.multiValueHeaders ?? singleToMulti(event.headers));
  const query = event.multiValueQueryStringParameters ?? singleToMulti(event.queryStringParameters);
  const pathParameters: Record<string, string> = Object.fromEntries(
    Object.entries(event.pathParameters ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
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
