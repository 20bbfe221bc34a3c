/**
 * Resource indicators at the token endpoint (RFC 8707 §2.2): a token request may name, with
 * `resource`, which of the resources the grant covers the access token is for. It may narrow the
 * audience, never widen it.
 */
import { InvalidTarget } from '../errors.js';
import { checkResources } from './check-resources.js';

/**
 * The resources this access token is for. `asked`: the token request's `resource` values; `granted`:
 * those of the authentication request (undefined when it named none, and the default audience was
 * what the grant covers). Without `asked`, the whole grant. A resource outside the grant is
 * invalid_target (RFC 8707 §2.2): the user approved the grant for those resources only.
 */
export function narrowResources(asked: readonly string[], granted: readonly string[] | undefined, defaultAudience: readonly string[]): readonly string[] | undefined {
  const requested = checkResources(asked);
  if (requested === undefined) return granted;
  const allowed = granted ?? defaultAudience;
  const outside = requested.find((resource) => !allowed.includes(resource));
  if (outside !== undefined) throw new InvalidTarget('the resource was not requested in the authentication request');
  return requested;
}

/**
 * RFC 9068 §2.2 / RFC 7519 §4.1.3: aud is one string when the token is for one resource, an array
 * when for several.
 */
export function audienceOf(resources: readonly string[]): string | readonly string[] {
  return resources.length === 1 ? (resources[0] as string) : resources;
}
