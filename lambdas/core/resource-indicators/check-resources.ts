/**
 * Resource indicators at the backchannel authentication endpoint (RFC 8707 §2): the resource servers
 * the client wants its access tokens for. They become the access token's `aud`, so that a token
 * obtained for one resource server cannot be replayed at another that checks its audience.
 */
import { InvalidTarget } from '../errors.js';

/** A bound on what one request may name, so that a token's aud stays small. */
export const MAX_RESOURCES = 10;
/** The longest resource indicator accepted. */
export const MAX_RESOURCE_LENGTH = 2048;

// RFC 3986 §3.1 scheme, then the rest; printable ASCII only, since a URI has no spaces or controls
// (the WHATWG URL parser would silently drop tabs and newlines, hiding what was sent).
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7E]+$/;

/** Whether `value` is a resource indicator RFC 8707 §2 allows: an absolute URI without a fragment. */
export function isResourceIndicator(value: string): boolean {
  if (value.length > MAX_RESOURCE_LENGTH || !ABSOLUTE_URI.test(value) || value.includes('#')) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * RFC 8707 §2: each `resource` MUST be an absolute URI and MUST NOT include a fragment; otherwise
 * invalid_target. Returns the resources without repeats, in the order given, or undefined when
 * there are none (the configured default audience applies then). Values are kept exactly as sent:
 * resource servers compare their own identifier with aud as a string.
 */
export function checkResources(values: readonly string[] | undefined): readonly string[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  for (const value of values) {
    if (!isResourceIndicator(value)) throw new InvalidTarget('resource must be an absolute URI without a fragment (RFC 8707 section 2)');
  }
  const unique = [...new Set(values)];
  if (unique.length > MAX_RESOURCES) throw new InvalidTarget(`at most ${MAX_RESOURCES} resources may be requested`);
  return unique;
}
