/**
 * The access token of a request to a bearer-protected resource (RFC 6750 §2).
 *
 * Accepted: the Authorization header (§2.1, what OIDC Core §5.3.1 recommends) and, for POST, the
 * `access_token` member of a form-encoded body (§2.2, which the OpenID conformance suite exercises).
 * Refused: the URL query (§2.3): URLs end up in access logs and browser histories, and FAPI forbids it.
 */
import { InvalidRequest, OAuthError } from '../errors.js';
import { readForm } from '../http/form.js';
import { header, headerCount, type HttpRequest } from '../http/http.js';

/** RFC 6750 §3: a malformed request to a bearer-protected resource names its error in the challenge too. */
function invalidRequest(description: string): OAuthError {
  return new InvalidRequest(description, { headers: { 'WWW-Authenticate': 'Bearer error="invalid_request"' } });
}

/** RFC 6750 §2.1: `Bearer` and a b64token. */
const BEARER_CREDENTIALS = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function fromHeader(request: HttpRequest): string | undefined {
  if (headerCount(request, 'authorization') > 1) throw invalidRequest('more than one Authorization header');
  const authorization = header(request, 'authorization');
  // Another scheme (Basic, DPoP) carries no bearer token: to this resource the request is unauthenticated.
  if (authorization === undefined || !/^Bearer(?: |$)/i.test(authorization)) return undefined;
  const match = BEARER_CREDENTIALS.exec(authorization);
  if (!match?.[1]) throw invalidRequest('the Authorization header must be the Bearer scheme and the access token');
  return match[1];
}

function fromBody(request: HttpRequest): string | undefined {
  // RFC 6750 §2.2: only a form-encoded body of a method that has one.
  const mediaType = header(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (request.method !== 'POST' || mediaType !== 'application/x-www-form-urlencoded') return undefined;
  try {
    return readForm(request).get('access_token');
  } catch (error) {
    if (error instanceof OAuthError) throw invalidRequest(error.description);
    throw error;
  }
}

/** The request's access token; undefined when it carries none (RFC 6750 §3.1: then no error code is given). */
export function readBearerToken(request: HttpRequest): string | undefined {
  if (Object.hasOwn(request.query, 'access_token')) {
    throw invalidRequest('the access token must not be sent in the URL (RFC 6750 section 2.3): use the Authorization header');
  }
  const inHeader = fromHeader(request);
  const inBody = fromBody(request);
  // RFC 6750 §2: clients MUST NOT use more than one method in a request.
  if (inHeader !== undefined && inBody !== undefined) throw invalidRequest('send the access token one way only: the Authorization header or the form body');
  return inHeader ?? inBody;
}
