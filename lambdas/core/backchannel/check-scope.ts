import { InvalidRequest, InvalidScope } from '../errors.js';
import type { Client } from '../model.js';
import { IGNORED_SCOPES, OFFLINE_ACCESS, SUPPORTED_SCOPES, splitScope } from '../scopes.js';
import { grantsOfflineAccess } from '../token/refresh/refresh-policy.js';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3 scope-token

/**
 * CIBA Core §7.1: scope is REQUIRED and MUST contain openid. Every value must be one this provider
 * knows and, when the client registered a `scope`, one the client may request (RFC 7591 §2).
 * Returns the scope to grant, duplicates and ignored values removed: offline_access stays only for a
 * client that may have refresh tokens (OIDC Core §11).
 */
export function checkScope(scope: string | undefined, client: Client): string {
  if (scope === undefined) throw new InvalidRequest('scope is required');
  const values = scope.split(' ');
  if (values.some((value) => !SCOPE_TOKEN.test(value))) throw new InvalidScope('scope is not a space-delimited list of scope tokens');
  if (!values.includes('openid')) throw new InvalidScope('scope must contain openid');
  const allowed = client.metadata.scope === undefined ? undefined : new Set([...splitScope(client.metadata.scope), 'openid']);
  for (const value of values) {
    if (IGNORED_SCOPES.has(value)) continue;
    if (!SUPPORTED_SCOPES.includes(value)) throw new InvalidScope(`scope ${value} is not supported`);
    if (allowed && !allowed.has(value)) throw new InvalidScope(`the client may not request scope ${value}`);
  }
  const kept = grantsOfflineAccess(client) ? new Set([OFFLINE_ACCESS]) : new Set<string>();
  return [...new Set(values.filter((value) => !IGNORED_SCOPES.has(value) || kept.has(value)))].join(' ');
}
