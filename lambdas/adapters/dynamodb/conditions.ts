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
  /** The auth request is for the device's user. */
  forUser: '#sub = :sub',
} as const;

export const all = (...fragments: string[]): string => fragments.join(' AND ');

/** DynamoDB's answer when a condition fails; the repositories turn it into a domain outcome. */
export function isConditionFailure(error: unknown): error is { name: 'ConditionalCheckFailedException'; Item?: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> } {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ConditionalCheckFailedException';
}
