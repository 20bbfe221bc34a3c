/**
 * One error class per OAuth error code, each made by `defineError`.
 *
 * A step throws the error the specification names; `toErrorResponse` is the only way an error leaves
 * the provider, and it writes only `error` and `error_description` (RFC 6749 §5.2). Anything that is
 * not an `OAuthError` becomes `server_error`, its details going to the log only.
 */

export interface OAuthErrorOptions {
  /** Extra response headers, e.g. `WWW-Authenticate` on a 401. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The original error, for the log only. */
  readonly cause?: unknown;
}

export abstract class OAuthError extends Error {
  abstract readonly error: string;
  abstract readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    /** Shown to the client: say precisely what was wrong, never echo secrets. */
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options.headers ?? {};
  }
}

export type OAuthErrorClass = new (description: string, options?: OAuthErrorOptions) => OAuthError;

/** Makes the class for one error code, so that `instanceof` and the code always agree. */
function defineError(error: string, status: number): OAuthErrorClass {
  return class extends OAuthError {
    readonly error = error;
    readonly status = status;
    override readonly name = error;
  };
}

// RFC 6749 §5.2, the token endpoint (and, through CIBA Core §13, the backchannel endpoint)
export const InvalidRequest = defineError('invalid_request', 400);
export const InvalidClient = defineError('invalid_client', 401);
export const InvalidGrant = defineError('invalid_grant', 400);
export const UnauthorizedClient = defineError('unauthorized_client', 400);
export const UnsupportedGrantType = defineError('unsupported_grant_type', 400);
export const InvalidScope = defineError('invalid_scope', 400);

// CIBA Core §13, the backchannel authentication endpoint
export const ExpiredLoginHintToken = defineError('expired_login_hint_token', 400);
export const UnknownUserId = defineError('unknown_user_id', 400);
export const MissingUserCode = defineError('missing_user_code', 400);
export const InvalidUserCode = defineError('invalid_user_code', 400);
export const InvalidBindingMessage = defineError('invalid_binding_message', 400);
/** CIBA Core §13: at the backchannel endpoint access_denied is 403 (at the token endpoint it is 400). */
export const BackchannelAccessDenied = defineError('access_denied', 403);

// CIBA Core §11, the token endpoint while a request is open (all 400, RFC 6749 §5.2).
export const AuthorizationPending = defineError('authorization_pending', 400);
export const SlowDown = defineError('slow_down', 400);
export const ExpiredToken = defineError('expired_token', 400);
export const AccessDenied = defineError('access_denied', 400);

// RFC 9396 §5, rich authorization requests
export const InvalidAuthorizationDetails = defineError('invalid_authorization_details', 400);

// RFC 8707 §2, resource indicators: a resource that is malformed, or not one the grant may name
export const InvalidTarget = defineError('invalid_target', 400);

// RFC 7591 §3.2.2, dynamic client registration
export const InvalidClientMetadata = defineError('invalid_client_metadata', 400);

// RFC 6750 §3.1, bearer-protected endpoints (registration, the device API)
export const InvalidToken = defineError('invalid_token', 401);
export const InsufficientScope = defineError('insufficient_scope', 403);

// RFC 7009 §2.2.1, token revocation
export const UnsupportedTokenType = defineError('unsupported_token_type', 400);

// The authentication-device API and the test hooks: resources rather than grants.
export const NotFound = defineError('not_found', 404);
export const Conflict = defineError('request_not_pending', 409);

export const ServerError = defineError('server_error', 500);
export const TemporarilyUnavailable = defineError('temporarily_unavailable', 503);

/** RFC 6749 §5.2: a client that authenticated with HTTP Basic gets a 401 with a Basic challenge. */
export function invalidClient(description: string, usedBasic: boolean): OAuthError {
  return new InvalidClient(description, usedBasic ? { headers: { 'WWW-Authenticate': 'Basic realm="ciba", charset="UTF-8"' } } : {});
}

/** RFC 6750 §3: a bearer-protected endpoint names its scheme and the error in the challenge. */
export function invalidBearerToken(description: string): OAuthError {
  return new InvalidToken(description, { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
}

export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: string; readonly error_description?: string };
}

// RFC 6749 Appendix A.8: error_description is %x20-21 / %x23-5B / %x5D-7E (no quote, no backslash).
const DESCRIPTION_UNSAFE = /[^\x20-\x21\x23-\x5B\x5D-\x7E]/g;

/** The whitelist serializer: only the code and a printable description ever leave. */
export function toErrorResponse(error: unknown): ErrorResponse {
  const known = error instanceof OAuthError ? error : new ServerError('the server met an unexpected condition');
  const description = known.description.replace(DESCRIPTION_UNSAFE, '?');
  return {
    status: known.status,
    headers: known.headers,
    body: description ? { error: known.error, error_description: description } : { error: known.error },
  };
}
