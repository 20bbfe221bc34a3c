/**
 * The shape of the provider's single DynamoDB table, shared by the CDK construct (which creates it in
 * AWS), the local runner and the tests (which create it in DynamoDB Local) and the repositories.
 *
 * Every item has a random or unique string partition key prefixed by its kind (`CLIENT#…`,
 * `AUTHREQ#…`), so load spreads over partitions and no request path ever scans. One sparse global
 * secondary index holds the few lists the provider keeps, an item being on a list while it has the
 * index's keys: a user's pending authentication requests (`PENDING#<sub>`), the notifications that
 * could not be delivered (`DEADLETTERS`) and the registered clients (`CLIENTS`). A stream (new and old
 * images) feeds notification delivery.
 */
export const tableSchema = {
  partitionKey: 'pk',
  /** Epoch seconds; DynamoDB deletes the item some time after it (the code still checks expiry itself). */
  timeToLiveAttribute: 'ttl',
  listIndex: {
    name: 'lists',
    partitionKey: 'gsi1pk',
    sortKey: 'gsi1sk',
  },
} as const;

/** The list of undelivered notifications, in the list index. */
export const DEAD_LETTER_LIST = 'DEADLETTERS';

/** The list of registered clients, in the list index (the operator's `ciba clients list`). */
export const CLIENT_LIST = 'CLIENTS';

/** Key prefixes, one per item kind. */
export const keyPrefix = {
  client: 'CLIENT#',
  user: 'USER#',
  login: 'LOGIN#',
  authRequest: 'AUTHREQ#',
  pendingForUser: 'PENDING#',
  deadLetter: 'DEADLETTER#',
  device: 'DEVICE#',
  enrollmentCode: 'ENROLL#',
  jti: 'JTI#',
  evidence: 'EVIDENCE#',
  evidenceForUser: 'EVIDENCE-OF#',
  devicesOfUser: 'DEVICES#',
  /** A refresh token, by the SHA-256 of its value (never the value); TTL at its grant's absolute end. */
  refreshToken: 'REFRESH#',
  /** A refresh token grant: the family of refresh tokens one authorization began. */
  refreshGrant: 'GRANT#',
  /** An access token revoked before its exp (RFC 7009), by jti; TTL at the token's exp. */
  revokedAccessToken: 'REVOKED#',
  /** A user's backchannel requests in one clock minute, `RATE#<sub>#<minute>`; TTL a minute after it. */
  requestRate: 'RATE#',
  /** The set of a user's pending auth_req_ids, `PENDING-OF#<sub>` (not the list `PENDING#<sub>`). */
  pendingOfUser: 'PENDING-OF#',
} as const;

/** The one item holding the provider's signing key ring (core/signing-keys/key-ring.ts). */
export const SIGNING_KEY_RING = 'SIGNING-KEYS';
