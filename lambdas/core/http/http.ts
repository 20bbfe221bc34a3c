/**
 * HTTP as the protocol core sees it: no AWS types. lambdas/adapters/http/ turns API Gateway proxy
 * events into `HttpRequest` and `HttpResponse` back into proxy results.
 */

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. A header sent more than once keeps every value. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly query: Readonly<Record<string, readonly string[]>>;
  readonly pathParameters: Readonly<Record<string, string>>;
  /** The body as text (API Gateway's base64 already decoded), or undefined. */
  readonly body: string | undefined;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The single value of a header; a header sent more than once is ambiguous and refused by the caller. */
export function header(request: HttpRequest, name: string): string | undefined {
  const values = request.headers[name.toLowerCase()];
  return values?.length === 1 ? values[0] : values?.join(', ');
}

export function headerCount(request: HttpRequest, name: string): number {
  return request.headers[name.toLowerCase()]?.length ?? 0;
}

/**
 * RFC 6749 §5.1, CIBA Core §7.3 and §13: responses carrying tokens or errors must not be cached.
 * Every API response carries it; caches have no business with any of them.
 */
export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

export function json(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): HttpResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json', ...NO_STORE, ...headers },
    body: JSON.stringify(body),
  };
}

export function noContent(): HttpResponse {
  return { status: 204, headers: { ...NO_STORE }, body: '' };
}
