/**
 * One correlation id per authentication request, on every log line written while handling it: the
 * backchannel request that created it, the polls, the device's and the external service's decisions,
 * and the delivery jobs.
 *
 * The id is not the auth_req_id itself but the first 16 hex digits of its SHA-256. The auth_req_id is
 * an identifier, not a bearer credential (CIBA Core §7.3: the token request also needs client
 * authentication), yet it is half of what redeems the tokens, the ping callback carries it, and logs
 * are read by more people than the client's operators. The hash correlates every line of one request,
 * and an operator who holds an auth_req_id (from a client, a dead letter) finds its lines by hashing
 * it (`printf %s "$ID" | sha256sum | cut -c1-16`); the logs alone never give one back.
 * 64 bits keep accidental collisions out of reach for any realistic number of requests.
 *
 * The id lives in an AsyncLocalStorage scope rather than in the Logger's appended keys: the local
 * runner serves concurrent requests in one process, and the delivery function handles the jobs of
 * a batch side by side, so a process-wide key would put one request's id on another's lines.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';

/** The correlation id of an auth_req_id: 16 hex digits of its SHA-256. */
export function correlationIdOf(authReqId: string): string {
  return createHash('sha256').update(authReqId).digest('hex').slice(0, 16);
}

interface Scope {
  correlationId?: string;
}

const scopes = new AsyncLocalStorage<Scope>();

/**
 * Starts an empty scope for the rest of the current invocation (middy's `before`): what runs after it,
 * the endpoint and the error handling, shares the scope. `enterWith` because middy calls middleware
 * and handler one after another, not inside a callback this module could wrap.
 */
export function beginCorrelationScope(): void {
  scopes.enterWith({});
}

/** Records the auth_req_id the current invocation turned out to be about (the first one wins). */
export function correlate(authReqId: string | undefined): void {
  const scope = scopes.getStore();
  if (scope && authReqId && scope.correlationId === undefined) scope.correlationId = correlationIdOf(authReqId);
}

/** Runs `work` in a scope of its own for this auth_req_id (one job of a batch). */
export function withCorrelation<T>(authReqId: string, work: () => T): T {
  return scopes.run({ correlationId: correlationIdOf(authReqId) }, work);
}

/** The current scope's correlation id, if any. */
export function currentCorrelationId(): string | undefined {
  return scopes.getStore()?.correlationId;
}
