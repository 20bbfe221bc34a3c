/**
 * Serves the route table the way API Gateway does: find the route, build the REST API proxy event
 * the Lambda function receives in AWS, call that function's handler, and turn its result into HTTP.
 * The tests call `dispatch` directly; the local server calls it for every HTTP request.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { handlers, routes, type Feature, type HandlerName, type Route } from '../lambdas/routes.js';

export interface LocalRequest {
  readonly method: string;
  /** Path and query, as on the request line. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: string;
  readonly sourceIp?: string;
}

export interface LocalResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

type LambdaHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const projectRoot = resolve(import.meta.dirname, '..');
const loaded = new Map<HandlerName, Promise<LambdaHandler>>();

function loadHandler(name: HandlerName): Promise<LambdaHandler> {
  let handler = loaded.get(name);
  if (!handler) {
    const url = pathToFileURL(resolve(projectRoot, handlers[name].entry)).href;
    handler = import(url).then((module: { handler: LambdaHandler }) => module.handler);
    loaded.set(name, handler);
  }
  return handler;
}

function templateToPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((part) => (/^\{\w+\}$/.test(part) ? `(?<${part.slice(1, -1)}>[^/]+)` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

const compiled = routes.map((route) => ({ route, pattern: templateToPattern(route.path) }));

export function matchRoute(method: string, path: string, features: ReadonlySet<Feature>): { route: Route; pathParameters: Record<string, string> } | 'wrongMethod' | undefined {
  let pathMatched = false;
  for (const { route, pattern } of compiled) {
    const feature = handlers[route.handler].feature;
    if (feature && !features.has(feature)) continue;
    const match = pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const pathParameters: Record<string, string> = {};
    for (const [name, value] of Object.entries(match.groups ?? {})) {
      try {
        pathParameters[name] = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    }
    return { route, pathParameters };
  }
  return pathMatched ? 'wrongMethod' : undefined;
}

function single(multi: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(multi).map(([name, values]) => [name, values[values.length - 1] ?? '']));
}

export function toProxyEvent(request: LocalRequest, route: Route, pathParameters: Record<string, string>, stage = 'local'): APIGatewayProxyEvent {
  const url = new URL(request.url, 'http://localhost');
  // Maps, then Object.fromEntries: a header or query parameter named __proto__ stays an ordinary member,
  // as in the JSON event API Gateway sends (`obj[name] = ...` would set the prototype, or crash).
  const headerLists = new Map<string, string[]>();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headerLists.set(name, typeof value === 'string' ? [value] : [...value]);
  }
  const multiValueHeaders = Object.fromEntries(headerLists);
  const queryLists = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) queryLists.set(name, [...(queryLists.get(name) ?? []), value]);
  const multiValueQuery = Object.fromEntries(queryLists);
  const hasQuery = Object.keys(multiValueQuery).length > 0;
  const now = Date.now();
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: request.method,
    headers: single(multiValueHeaders),
    multiValueHeaders,
    queryStringParameters: hasQuery ? single(multiValueQuery) : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
    stageVariables: null,
    body: request.body === undefined || request.body === '' ? null : request.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      identity: {
        accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
        cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
        cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: request.sourceIp ?? '127.0.0.1', user: null,
        userAgent: single(multiValueHeaders)['user-agent'] ?? null, userArn: null,
      },
      path: `/${stage}${url.pathname}`,
      stage,
      requestId: randomUUID(),
      requestTimeEpoch: now,
      resourceId: 'local',
      resourcePath: route.path,
    },
  };
}

function lambdaContext(name: HandlerName): Context {
  const deadline = Date.now() + 10_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: `local-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:local-${name}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/local-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const notFound = (status: number, message: string): LocalResponse => ({
  status,
  headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
  body: JSON.stringify({ message }),
});

/** One request, routed and answered exactly as API Gateway and the function would. */
export async function dispatch(request: LocalRequest, features: ReadonlySet<Feature>): Promise<LocalResponse> {
  const path = new URL(request.url, 'http://localhost').pathname;
  const found = matchRoute(request.method, path, features);
  if (found === undefined) return notFound(404, 'Not Found');
  if (found === 'wrongMethod') return notFound(405, 'Method Not Allowed');
  const handler = await loadHandler(found.route.handler);
  const result = await handler(toProxyEvent(request, found.route, found.pathParameters), lambdaContext(found.route.handler));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  return { status: result.statusCode, headers, body: result.body };
}
