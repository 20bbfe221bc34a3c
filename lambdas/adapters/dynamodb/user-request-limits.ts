/**
 * Per-user limits on backchannel requests (config.ts userLimits), kept in two small items that the
 * transaction creating a request updates together with it: enforcing them costs no extra request.
 *
 * - `RATE#<sub>#<minute>`: the user's requests in this clock minute, a fixed window. A sliding window
 *   would need a read before the write (or a list a condition cannot count): an extra request on every
 *   backchannel request. The price of the fixed window: across a minute boundary up to twice the limit
 *   get through within 60 seconds. In exchange Retry-After is exact: the seconds to the next minute.
 * - `PENDING-OF#<sub>`: the string set of the user's auth_req_ids that may still be pending. A
 *   decision that knows the user (a device's, the external service's) deletes its id in its own write.
 *   Ids whose request expired, was removed, or was decided without naming the user (the automated
 *   approval test hook) stay until the set is full; then, and only then, `dropSettledRequests` reads the
 *   listed requests and drops the settled ones, and the repository tries once more. That rare path
 *   costs a BatchGetItem and, when something is dropped, an UpdateItem and the retry (the refused
 *   transaction hands back the set, so it is not read again).
 *
 * Both are conditional updates in the creating transaction: concurrent requests for one user cannot
 * together overshoot a limit, and a refused request stores nothing (the transaction is all or nothing).
 */
import type { TransactWriteItem, TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { batchGetItem, transactWriteItems, updateItem, type DynamoDb } from './operations.js';
import type { AuthRequest } from '../../core/model.js';
import type { UserRequestLimits } from '../../core/ports.js';
import { cancellationReasons, condition, isConditionFailure } from './conditions.js';
import type { Item } from './attributes.js';
import { keyPrefix, tableSchema } from './table-schema.js';

export type LimitName = 'requestsPerMinute' | 'maxPendingRequests';

/** One limit's conditional update, for the creating transaction. */
export interface LimitWrite {
  readonly limit: LimitName;
  readonly write: TransactWriteItem;
}

const MINUTE_MS = 60_000;
/** No request lives longer (config.ts caps CIBA_MAX_EXPIRY_SECONDS there): the set outlives its ids. */
const LONGEST_EXPIRY_SECONDS = 86_400;
/** Attempts of a transaction that DynamoDB cancels for a conflict with another one on the same item. */
const CONFLICT_ATTEMPTS = 3;

const pendingKey = (sub: string): Item => ({ [tableSchema.partitionKey]: { S: keyPrefix.pendingOfUser + sub } });

/** RFC 9110 §10.2.3 Retry-After: whole seconds until the user's next minute window opens. */
export function secondsToNextWindow(at: number): number {
  return Math.max(1, Math.ceil((Math.floor(at / MINUTE_MS) * MINUTE_MS + MINUTE_MS - at) / 1000));
}

/** The conditional updates that count `request` against the user's limits (none when both are off). */
export function limitWrites(tableName: string, request: AuthRequest, limits: UserRequestLimits): LimitWrite[] {
  const writes: LimitWrite[] = [];
  const ttl = tableSchema.timeToLiveAttribute;
  if (limits.requestsPerMinute > 0) {
    const minute = Math.floor(request.createdAt / MINUTE_MS);
    writes.push({
      limit: 'requestsPerMinute',
      write: {
        Update: {
          TableName: tableName,
          Key: { [tableSchema.partitionKey]: { S: `${keyPrefix.requestRate}${request.sub}#${minute}` } },
          UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
          ConditionExpression: condition.underRateLimit,
          ExpressionAttributeNames: { '#count': 'count', '#ttl': ttl },
          // Kept a minute past its window: long enough to answer, short enough to cost nothing.
          ExpressionAttributeValues: { ':one': { N: '1' }, ':perMinute': { N: String(limits.requestsPerMinute) }, ':ttl': { N: String((minute + 2) * 60) } },
        },
      },
    });
  }
  if (limits.maxPendingRequests > 0) {
    writes.push({
      limit: 'maxPendingRequests',
      write: {
        Update: {
          TableName: tableName,
          Key: pendingKey(request.sub),
          UpdateExpression: 'ADD #requests :id SET #ttl = :ttl',
          ConditionExpression: condition.underPendingLimit,
          ExpressionAttributeNames: { '#requests': 'requests', '#ttl': ttl },
          ExpressionAttributeValues: {
            ':id': { SS: [request.authReqId] },
            ':maxPending': { N: String(limits.maxPendingRequests) },
            ':ttl': { N: String(Math.ceil(request.createdAt / 1000) + LONGEST_EXPIRY_SECONDS) },
          },
          // A full set comes back with the refusal: dropSettledRequests needs no read of it.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    });
  }
  return writes;
}

/**
 * The update that takes a decided request off its user's pending set, for the decision's transaction.
 * DELETE of an absent id is a no-op; on an absent item DynamoDB creates a bare one, so it gets a TTL.
 */
export function pendingRemoval(tableName: string, sub: string, authReqId: string, at: number): TransactWriteItem {
  return {
    Update: {
      TableName: tableName,
      Key: pendingKey(sub),
      UpdateExpression: 'DELETE #requests :id SET #ttl = if_not_exists(#ttl, :ttl)',
      ExpressionAttributeNames: { '#requests': 'requests', '#ttl': tableSchema.timeToLiveAttribute },
      ExpressionAttributeValues: { ':id': { SS: [authReqId] }, ':ttl': { N: String(Math.ceil(at / 1000) + LONGEST_EXPIRY_SECONDS) } },
    },
  };
}

/**
 * Sends a transaction, again when DynamoDB cancels it for a conflict with a concurrent transaction on
 * the same item (two requests, or a request and a decision, for one user): a bounded number of times,
 * after a short random pause. Nothing was written by a cancelled transaction, so trying again is safe.
 */
export async function sendTransaction(dynamodb: DynamoDb, input: TransactWriteItemsCommandInput): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await dynamodb.execute(transactWriteItems(input));
      return;
    } catch (error) {
      const conflict = cancellationReasons(error)?.some((reason) => reason.Code === 'TransactionConflict') === true;
      if (!conflict || attempt >= CONFLICT_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * attempt));
    }
  }
}

/**
 * The rare path of a full pending set (`listed`, as the refused transaction returned it): reads the
 * listed requests and drops from the set those that are settled (decided, expired, or gone). Returns
 * how many it dropped, and when the earliest of the others expires, in seconds from `at` (the
 * Retry-After of a refusal). Dropping is safe without a condition on the set's content: a settled
 * request never becomes pending again, and auth_req_ids are unique.
 */
export async function dropSettledRequests(dynamodb: DynamoDb, tableName: string, sub: string, listed: readonly string[], at: number): Promise<{ dropped: number; retryAfterSeconds?: number }> {
  if (listed.length === 0) return { dropped: 0 };
  const { Responses, UnprocessedKeys } = await dynamodb.execute(
    batchGetItem({
      RequestItems: {
        [tableName]: {
          // At most 100 ids (config.ts caps CIBA_USER_MAX_PENDING_REQUESTS): one BatchGetItem.
          Keys: listed.map((authReqId) => ({ [tableSchema.partitionKey]: { S: keyPrefix.authRequest + authReqId } })),
          ProjectionExpression: '#pk, #status, expiresAt',
          ExpressionAttributeNames: { '#pk': tableSchema.partitionKey, '#status': 'status' },
          ConsistentRead: true,
        },
      },
    }),
  );
  const found = new Map((Responses?.[tableName] ?? []).map((item) => [item.pk?.S?.slice(keyPrefix.authRequest.length), item]));
  // A key DynamoDB did not get to is counted as pending: never drop what was not read.
  const unread = new Set((UnprocessedKeys?.[tableName]?.Keys ?? []).map((key) => key.pk?.S?.slice(keyPrefix.authRequest.length)));
  const settled: string[] = [];
  let earliestExpiry: number | undefined;
  for (const authReqId of listed) {
    if (unread.has(authReqId)) continue;
    const request = found.get(authReqId);
    const expiresAt = Number(request?.expiresAt?.N ?? 0);
    if (!request || request.status?.S !== 'pending' || expiresAt <= at) settled.push(authReqId);
    else earliestExpiry = Math.min(earliestExpiry ?? expiresAt, expiresAt);
  }
  if (settled.length > 0) {
    try {
      await dynamodb.execute(
        updateItem({
          TableName: tableName,
          Key: pendingKey(sub),
          UpdateExpression: 'DELETE #requests :settled',
          // Not on a set the TTL deleted meanwhile: that one has room already.
          ConditionExpression: condition.exists,
          ExpressionAttributeNames: { '#requests': 'requests' },
          ExpressionAttributeValues: { ':settled': { SS: settled } },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  return { dropped: settled.length, ...(earliestExpiry !== undefined ? { retryAfterSeconds: Math.max(1, Math.ceil((earliestExpiry - at) / 1000)) } : {}) };
}
