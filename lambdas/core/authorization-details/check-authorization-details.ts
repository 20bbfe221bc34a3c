/**
 * RFC 9396 authorization_details on a backchannel request: a JSON array of typed objects, each of a
 * type this deployment understands and the client registered (authorization_details_types, §10).
 * The user sees them on their device and the approval is bound to them (dynamic linking).
 */
import { InvalidAuthorizationDetails } from '../errors.js';
import type { AuthorizationDetail, Client } from '../model.js';
import { paymentInitiationProblems } from './payment-initiation.js';

/** The types this provider validates, each with its checker. */
export const AUTHORIZATION_DETAILS_TYPES: Readonly<Record<string, (detail: Readonly<Record<string, unknown>>) => string[]>> = {
  payment_initiation: paymentInitiationProblems,
};

const MAX_DETAILS = 10;
/** As a form parameter the array is JSON text; its length is bounded before it is parsed. */
const MAX_JSON_LENGTH = 8 * 1024;

/**
 * `value` is the form parameter's JSON text, or inside a signed request the JSON array itself.
 * Returns the details to store and show, or undefined when none were sent.
 */
export function checkAuthorizationDetails(value: unknown, client: Client): AuthorizationDetail[] | undefined {
  if (value === undefined) return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    if (value.length > MAX_JSON_LENGTH) throw new InvalidAuthorizationDetails('authorization_details is too long');
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new InvalidAuthorizationDetails('authorization_details is not valid JSON');
    }
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_DETAILS) {
    throw new InvalidAuthorizationDetails(`authorization_details must be a JSON array of 1 to ${MAX_DETAILS} objects`);
  }
  const registered = client.metadata.authorization_details_types ?? [];
  return parsed.map((detail: unknown, index) => {
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) throw new InvalidAuthorizationDetails(`authorization_details[${index}] is not an object`);
    const type = (detail as { type?: unknown }).type;
    if (typeof type !== 'string') throw new InvalidAuthorizationDetails(`authorization_details[${index}] has no type`);
    const check = AUTHORIZATION_DETAILS_TYPES[type];
    if (!check) throw new InvalidAuthorizationDetails(`authorization_details type ${type.slice(0, 40)} is not supported`);
    if (!registered.includes(type)) throw new InvalidAuthorizationDetails(`the client is not registered for authorization_details type ${type}`);
    const problems = check(detail as Record<string, unknown>);
    if (problems.length > 0) throw new InvalidAuthorizationDetails(`authorization_details[${index}]: ${problems.join('; ')}`);
    return detail as AuthorizationDetail;
  });
}
