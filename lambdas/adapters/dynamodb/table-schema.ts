/**
 * The shape of the provider's single DynamoDB table, shared by the CDK construct (which creates it in
 * AWS), the local runner and the tests (which create it in DynamoDB Local) and the repositories.
 *
 * Every item has a random or unique string partition key prefixed by its kind (`CLIENT#…`,
 * `AUTHREQ#…`), so load spreads over partitions and no request path ever scans. One sparse global
 * secondary index holds only what must be found by something other than its key: a user's pending
 * authentication requests.
 */
export const tableSchema = {
  partitionKey: 'pk',
  /** Epoch seconds; DynamoDB deletes the item some time after it (the code still checks expiry itself). */
  timeToLiveAttribute: 'ttl',
  pendingByUserIndex: {
    name: 'pendingByUser',
    partitionKey: 'gsi1pk',
    sortKey: 'gsi1sk',
  },
} as const;

/** Key prefixes, one per item kind. */
export const keyPrefix = {
  client: 'CLIENT#',
  user: 'USER#',
  login: 'LOGIN#',
  authRequest: 'AUTHREQ#',
  pendingForUser: 'PENDING#',
  device: 'DEVICE#',
  enrollmentCode: 'ENROLL#',
  jti: 'JTI#',
} as const;
