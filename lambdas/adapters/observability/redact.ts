/**
 * Keeps secrets out of the logs (OWASP Logging Cheat Sheet, "Data to exclude": access tokens,
 * session identifiers, passwords, encryption keys; RFC 6819 §5.1.5.3: tokens must not leak through
 * logs). The logger runs every value it writes through `redactSecrets` (Powertools' `jsonReplacerFn`),
 * so a careless log call still cannot write one:
 *
 * - a value under a secret's name (client_secret, an Authorization header, a push token, a binding
 *   message...) is replaced whole, whatever its shape, and so is a request or response body;
 * - an auth_req_id under its own name becomes its correlation id (correlation.ts);
 * - inside any text (messages, error messages, stacks): JWTs (client assertions, request objects,
 *   login hint tokens, ID tokens, device JWTs, signed decisions), `Bearer` / `Basic` / `DPoP`
 *   credentials, and `name=value` or `"name":"value"` pairs of the names below are masked.
 *
 * Opaque secrets in free text (a refresh token quoted in a message) cannot be recognised: the
 * provider's own messages never quote one, and the test that drives a full flow checks exactly that.
 */
import { correlationIdOf } from './correlation.js';

export const REDACTED = '[REDACTED]';

/**
 * Names whose value is secret, compared without case, `_` or `-` (`client_secret`, `clientSecret` and
 * `Client-Secret` are one name). Parameters of CIBA Core §7.1, RFC 6749, RFC 7521/7523, RFC 7591,
 * RFC 7009/7662, and the device API's fields.
 */
const SECRET_NAMES = new Set(
  [
    'client_secret', 'client_assertion', 'request', 'id_token_hint', 'login_hint_token', 'user_code', 'binding_message',
    'access_token', 'refresh_token', 'id_token', 'token', 'enrollment_code', 'client_notification_token',
    'notification_token', 'bearer_token', 'push_token', 'push_payload', 'signed_decision', 'authorization', 'cookie',
    'set_cookie', 'password', 'secret', 'initial_access_token', 'registration_access_token', 'private_key', 'signing_key',
    'platform_credential', 'credential', 'credentials', 'assertion', 'jwt',
    // Whole messages: never logged (a body carries credentials; an event carries the body and headers).
    'body', 'event', 'headers', 'multi_value_headers', 'query_string_parameters', 'multi_value_query_string_parameters',
    '$response',
  ].map(normalise),
);

/** Fragments that make any name secret: `basicPassword`, `jwtSecret`, `refreshTokenValue`, `apnsPrivateKey`. */
const SECRET_FRAGMENTS = ['secret', 'password', 'token', 'assertion', 'credential', 'privatekey', 'authorization'];

/** Names whose value is an auth_req_id: logged as its correlation id. */
const AUTH_REQ_ID_NAMES = new Set(['auth_req_id', 'authreqid'].map(normalise));

/** Names that contain a fragment above but are not secrets. */
const NOT_SECRET = new Set(['tokentype', 'tokenendpointauthmethod', 'tokenhash'].map(normalise));

function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

export function isSecretName(name: string): boolean {
  const key = normalise(name);
  if (NOT_SECRET.has(key)) return false;
  return SECRET_NAMES.has(key) || SECRET_FRAGMENTS.some((fragment) => key.includes(fragment));
}

/** A JWS (three parts) or JWE (five parts) in compact serialization: every JOSE header starts `{"` = `eyJ`. */
const COMPACT_JOSE = /eyJ[\w-]*\.[\w-]*\.[\w-]*(?:\.[\w-]*\.[\w-]*)?/g;
/** An HTTP credential after its scheme (RFC 9110 §11.4): the b64token / token68 that follows. */
const SCHEME_CREDENTIAL = /\b(Bearer|Basic|DPoP)\s+[\w.~+/-]+=*/gi;
/** `name=value` (forms, query strings) and `"name":"value"` (JSON text) for a secret's name. */
const PARAMETER_NAMES = [...SECRET_NAMES].concat(['clientsecret', 'clientassertion', 'bindingmessage']);
const NAME = '([A-Za-z_$-]+)';
const FORM_PAIR = new RegExp(`\\b${NAME}=([^&\\s"']+)`, 'g');
const JSON_PAIR = new RegExp(`"${NAME}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`, 'g');

/** Masks the secrets that can be recognised inside a text. */
export function maskSecretsIn(text: string): string {
  return text
    .replace(COMPACT_JOSE, '[REDACTED JWT]')
    .replace(SCHEME_CREDENTIAL, (_, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(FORM_PAIR, (pair: string, name: string) => (isSecretName(name) || PARAMETER_NAMES.includes(normalise(name)) ? `${name}=${REDACTED}` : pair))
    .replace(JSON_PAIR, (pair: string, name: string) => (isSecretName(name) ? `"${name}":"${REDACTED}"` : pair));
}

/**
 * The logger's JSON replacer: called for every key and value it serialises (errors after Powertools
 * turned them into name, message and stack), so nested objects and error causes are covered too.
 */
export function redactSecrets(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (key !== '' && AUTH_REQ_ID_NAMES.has(normalise(key))) return typeof value === 'string' ? correlationIdOf(value) : REDACTED;
  if (key !== '' && isSecretName(key)) return REDACTED;
  if (typeof value === 'string') return maskSecretsIn(value);
  return value;
}
