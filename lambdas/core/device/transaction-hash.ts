/**
 * Dynamic linking (PSD2 RTS Art. 5): the device signs a hash of exactly what it showed the user, so
 * the approval is bound to this payee, this amount, this client. The hash input is the canonical
 * JSON (RFC 8785, JCS) of the transaction and the decision; the provider recomputes it from the stored
 * request and compares.
 */
import { createHash } from 'node:crypto';
import type { AuthorizationDetail, Decision } from '../model.js';

export interface Transaction {
  readonly auth_req_id: string;
  readonly client_id: string;
  readonly binding_message?: string;
  readonly authorization_details?: readonly AuthorizationDetail[];
  readonly decision: Decision;
}

/**
 * RFC 8785: object members sorted by their UTF-16 code units, no whitespace, strings and numbers as
 * ECMAScript serializes them (JSON.stringify does both), members whose value is undefined left out.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('JCS has no representation for non-finite numbers');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const members = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${members.map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`).join(',')}}`;
}

/** base64url(SHA-256(JCS(transaction))). */
export function transactionHash(transaction: Transaction): string {
  return createHash('sha256').update(canonicalJson(transaction), 'utf8').digest('base64url');
}
