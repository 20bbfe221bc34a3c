/**
 * Named condition fragments. Every state change in the table is a conditional write; reading the
 * names here tells what each write insists on.
 */
export const condition = {
  /** The item is new: a random key that exists already is a bug, never an overwrite. */
  isNew: 'attribute_not_exists(pk)',
  exists: 'attribute_exists(pk)',
  /** The auth request belongs to the polling client. */
  ownedByClient: 'clientId = :clientId',
  /** The poll history has room for one more poll, or this is the approved request's redeeming poll. */
  underPollLimit: '(pollCount < :maxPolls OR pollCount < redeemAtPoll)',
  isPending: '#status = :pending',
  notExpired: 'expiresAt > :now',
  /** An approval of a request whose acr demands user verification reports one. */
  verifiedIfRequired: '(attribute_not_exists(userVerificationRequired) OR :userVerified = :true)',
  /** The device signed the hash of this request's transaction for this decision (dynamic linking). */
  signedThisTransaction: 'transactionHashes.#decision = :transactionHash',
  /** The request is one a device may decide (the external service decides its own). */
  deviceChannel: 'attribute_not_exists(channel)',
  /** The auth request is for the device's user. */
  forUser: '#sub = :sub',
  /** Nobody changed the item since it was read (optimistic concurrency). */
  atVersion: 'version = :expectedVersion',
  /** The user's requests in this minute's window are under the limit (user-request-limits.ts). */
  underRateLimit: '(attribute_not_exists(#count) OR #count < :perMinute)',
  /** The user's set of pending requests has room for one more (user-request-limits.ts). */
  underPendingLimit: '(attribute_not_exists(#requests) OR size(#requests) < :maxPending)',
  /** The client's secret is still the one the rotation read (a concurrent rotation or a deletion wins). */
  hasSecretHash: 'secretHash = :current',
} as const;

export const all = (...fragments: string[]): string => fragments.join(' AND ');

/** DynamoDB's answer when a condition fails; the repositories turn it into a domain outcome. */
export function isConditionFailure(error: unknown): error is { name: 'ConditionalCheckFailedException'; Item?: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> } {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ConditionalCheckFailedException';
}

/**
 * The old item of a failed condition: from a ConditionalCheckFailedException, or from the first
 * cancellation reason of a transaction. Returns undefined when the error is something else, and null
 * when the condition failed on an item that does not exist.
 */
export function conditionFailureItem(error: unknown): Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | null | undefined {
  if (isConditionFailure(error)) return error.Item ?? null;
  const reasons = (error as { name?: string; CancellationReasons?: { Code?: string; Item?: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> }[] }).CancellationReasons;
  if ((error as { name?: string }).name === 'TransactionCanceledException' && reasons?.[0]?.Code === 'ConditionalCheckFailed') return reasons[0].Item ?? null;
  return undefined;
}

/**
 * Why each item of a cancelled transaction failed, in the order of its TransactItems: a code ('None',
 * 'ConditionalCheckFailed', 'TransactionConflict' ...) and, where asked for, the old item. Undefined
 * when the error is something else.
 */
export function cancellationReasons(error: unknown): { Code?: string; Item?: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> }[] | undefined {
  if ((error as { name?: string }).name !== 'TransactionCanceledException') return undefined;
  return (error as { CancellationReasons?: { Code?: string; Item?: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> }[] }).CancellationReasons ?? [];
}
