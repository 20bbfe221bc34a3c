/**
 * Works out how the client tried to authenticate (RFC 6749 §2.3, OIDC Core §9) without yet
 * trusting anything it said.
 */
import { InvalidRequest, invalidClient } from '../errors.js';
import type { FormParameters } from '../http/form.js';
import { header, headerCount, type HttpRequest } from '../http/http.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export type PresentedCredentials =
  | { readonly method: 'client_secret_basic'; readonly clientId: string; readonly secret: string }
  | { readonly method: 'client_secret_post'; readonly clientId: string; readonly secret: string }
  | { readonly method: 'private_key_jwt'; readonly clientId: string | undefined; readonly assertion: string };

/** RFC 6749 §2.3.1: the Basic user-id and password are form-urlencoded before base64. */
function readBasic(authorization: string): { clientId: string; secret: string } {
  const encoded = authorization.slice('basic '.length).trim();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || colon < 1) {
    throw invalidClient('malformed HTTP Basic credentials', true);
  }
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' ')),
    };
  } catch {
    throw invalidClient('malformed HTTP Basic credentials', true);
  }
}

/**
 * Exactly one authentication method per request: RFC 6749 §2.3 says the client MUST NOT use more
 * than one. No method at all is `invalid_client` (RFC 6749 §5.2: "no client authentication included").
 */
export function readClientCredentials(request: HttpRequest, params: FormParameters): PresentedCredentials {
  if (headerCount(request, 'authorization') > 1) throw new InvalidRequest('more than one Authorization header');
  const authorization = header(request, 'authorization');
  const usesBasic = authorization !== undefined && /^basic /i.test(authorization);
  const formSecret = params.get('client_secret');
  const assertion = params.get('client_assertion');
  const assertionType = params.get('client_assertion_type');
  const formClientId = params.get('client_id');

  const methods = [usesBasic, formSecret !== undefined, assertion !== undefined || assertionType !== undefined].filter(Boolean).length;
  if (methods > 1) throw new InvalidRequest('use exactly one client authentication method');

  if (usesBasic) {
    const { clientId, secret } = readBasic(authorization);
    if (formClientId !== undefined && formClientId !== clientId) {
      throw new InvalidRequest('client_id in the body differs from the client authenticated by HTTP Basic');
    }
    return { method: 'client_secret_basic', clientId, secret };
  }
  if (formSecret !== undefined) {
    if (formClientId === undefined) throw invalidClient('client_secret without client_id', false);
    return { method: 'client_secret_post', clientId: formClientId, secret: formSecret };
  }
  if (assertion !== undefined || assertionType !== undefined) {
    if (assertionType !== JWT_BEARER_ASSERTION) throw new InvalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
    if (assertion === undefined) throw new InvalidRequest('client_assertion is missing');
    return { method: 'private_key_jwt', clientId: formClientId, assertion };
  }
  throw invalidClient(
    formClientId === undefined ? 'client authentication is required' : 'client authentication is required; client_id alone does not authenticate',
    false,
  );
}
