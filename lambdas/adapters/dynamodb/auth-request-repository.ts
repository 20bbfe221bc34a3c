/**
 * Authentication requests in DynamoDB: `AUTHREQ#<auth_req_id>`, listed per user through the sparse
 * pendingByUser index while pending.
 */
import { deleteItem, getItem, putItem, updateItem, type DynamoDb } from './operations.js';
import { onList, readList } from './list-index.js';
import type { AuthRequest, Decision, DeliveryRecord, Evidence } from '../../core/model.js';
import type { AuthRequestRepository, CreateOutcome, DecisionOptions, DecisionRecord, PollRecord, UserRequestLimits } from '../../core/ports.js';
import { all, cancellationReasons, condition, conditionFailureItem, isConditionFailure } from './conditions.js';
import { dropSettledRequests, limitWrites, pendingRemoval, secondsToNextWindow, sendTransaction, type LimitName, type LimitWrite } from './user-request-limits.js';
import { fromItem, toAttribute, toItem, type Item } from './attributes.js';
import { keyPrefix, tableSchema } from './table-schema.js';

/**
 * The most polls one request records. A client that keeps the interval polls 360 times in the
 * longest allowed expiry; past this, polls are answered slow_down without a write.
 */
export const MAX_RECORDED_POLLS = 1000;

export interface AuthRequestStoreOptions {
  /** How long an expired request is kept so that a late poll still learns it expired. */
  readonly expiredRetentionSeconds: number;
  /** Per-user limits checked on create (user-request-limits.ts); unset: none. */
  readonly userLimits?: UserRequestLimits;
}

const key = (authReqId: string): Item => ({ pk: { S: keyPrefix.authRequest + authReqId } });

function toRecord(item: Item): AuthRequest {
  const { pk: _pk, ttl: _ttl, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, ...record } = fromItem(item);
  return record as unknown as AuthRequest;
}

/** EVIDENCE#<auth_req_id>, on the user's evidence list; no TTL: evidence outlives its request. */
function evidenceItem(evidence: Evidence): Item {
  return toItem({
    pk: keyPrefix.evidence + evidence.authReqId,
    ...evidence,
    ...onList(keyPrefix.evidenceForUser + evidence.sub, evidence.decidedAt, evidence.authReqId),
  });
}

export class DynamoDbAuthRequestRepository implements AuthRequestRepository {
  constructor(
    private readonly dynamodb: DynamoDb,
    private readonly tableName: string,
    private readonly options: AuthRequestStoreOptions,
  ) {}

  async create(request: AuthRequest): Promise<CreateOutcome> {
    const put = {
      TableName: this.tableName,
      Item: toItem({
        pk: keyPrefix.authRequest + request.authReqId,
        ...request,
        [tableSchema.timeToLiveAttribute]: Math.ceil(request.expiresAt / 1000) + this.options.expiredRetentionSeconds,
        // On the user's pending list, which devices read, unless the external service authenticates.
        ...(request.channel === 'external' ? {} : onList(keyPrefix.pendingForUser + request.sub, request.createdAt, request.authReqId)),
      }),
      ConditionExpression: condition.isNew,
    };
    const writes = this.options.userLimits ? limitWrites(this.tableName, request, this.options.userLimits) : [];
    if (writes.length === 0) {
      await this.dynamodb.execute(putItem(put));
      return { kind: 'created' };
    }
    const created = { kind: 'created' } as const;
    const perMinute = { kind: 'refused', limit: 'requestsPerMinute', retryAfterSeconds: secondsToNextWindow(request.createdAt) } as const;
    // The request and its counts in one transaction: one request, and all or nothing.
    let failed = await this.putWithinLimits(put, writes);
    if (failed === undefined) return created;
    if (failed.limits.includes('requestsPerMinute')) return perMinute;
    // Only the pending set is full; it may hold settled requests (see user-request-limits.ts).
    const { dropped, retryAfterSeconds } = await dropSettledRequests(this.dynamodb, this.tableName, request.sub, failed.pending, request.createdAt);
    if (dropped > 0) {
      failed = await this.putWithinLimits(put, writes);
      if (failed === undefined) return created;
      if (failed.limits.includes('requestsPerMinute')) return perMinute;
    }
    return { kind: 'refused', limit: 'maxPendingRequests', ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  }

  /**
   * Writes the request with its limits' updates; returns the limits whose condition failed, if any, and
   * the user's pending set as the failed condition saw it.
   */
  private async putWithinLimits(put: NonNullable<LimitWrite['write']['Put']>, writes: readonly LimitWrite[]): Promise<{ limits: LimitName[]; pending: string[] } | undefined> {
    try {
      await sendTransaction(this.dynamodb, { TransactItems: [{ Put: put }, ...writes.map(({ write }) => write)] });
      return undefined;
    } catch (error) {
      // DynamoDB reports a reason per item, in order: the request's Put first, then each limit's update.
      const reasons = cancellationReasons(error);
      const failedAt = writes.map((write, index) => ({ write, reason: reasons?.[index + 1] })).filter(({ reason }) => reason?.Code === 'ConditionalCheckFailed');
      // Anything else (the Put's isNew condition included: a colliding random id is a bug) stays an error.
      if (failedAt.length === 0) throw error;
      const pending = failedAt.find(({ write }) => write.limit === 'maxPendingRequests')?.reason?.Item?.requests?.SS ?? [];
      return { limits: failedAt.map(({ write }) => write.limit), pending };
    }
  }

  async find(authReqId: string): Promise<AuthRequest | undefined> {
    const { Item } = await this.dynamodb.execute(getItem({ TableName: this.tableName, Key: key(authReqId), ConsistentRead: true }));
    return Item ? toRecord(Item) : undefined;
  }

  async recordPoll(authReqId: string, clientId: string, at: number): Promise<PollRecord> {
    try {
      const { Attributes } = await this.dynamodb.execute(
        updateItem({
          TableName: this.tableName,
          Key: key(authReqId),
          UpdateExpression: 'SET pollCount = pollCount + :one, pollTimes = list_append(pollTimes, :at)',
          ConditionExpression: all(condition.exists, condition.ownedByClient, condition.underPollLimit),
          ExpressionAttributeValues: {
            ':one': { N: '1' },
            ':at': toAttribute([at]),
            ':clientId': { S: clientId },
            ':maxPolls': { N: String(MAX_RECORDED_POLLS) },
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'recorded', request: toRecord(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const old = error.Item ? toRecord(error.Item) : undefined;
      if (!old || old.clientId !== clientId) return { kind: 'unknown' };
      return { kind: 'limitReached', request: old };
    }
  }

  async decide(authReqId: string, decision: Decision, at: number, options: DecisionOptions = {}): Promise<DecisionRecord> {
    const approving = decision === 'approve';
    const { listIndex: index } = tableSchema;
    const evidence = options.evidence;
    const external = options.external;
    const externalSet = external
      ? `, externalFingerprint = :fingerprint${external.scope !== undefined ? ', #scope = :scope' : ''}${external.claims !== undefined ? ', externalClaims = :claims' : ''}${external.acr !== undefined ? ', acr = :acr' : ''}`
      : '';
    const set =
      (decision === 'approve'
        ? // The next poll, and only it, may redeem: see judgePoll.
          `#status = :approved, redeemAtPoll = pollCount + :one, decidedAt = :at${options.amr ? ', amr = :amr' : ''}`
        : '#status = :denied, decidedAt = :at') + externalSet;
    const update = {
      TableName: this.tableName,
      Key: key(authReqId),
      UpdateExpression: `SET ${set} REMOVE ${index.partitionKey}, ${index.sortKey}`,
      ConditionExpression: all(
        condition.exists,
        condition.isPending,
        condition.notExpired,
        ...(options.sub !== undefined ? [condition.forUser] : []),
        ...(approving ? [condition.verifiedIfRequired] : []),
        ...(evidence ? [condition.signedThisTransaction, condition.deviceChannel] : []),
      ),
      ExpressionAttributeNames: {
        '#status': 'status',
        ...(options.sub !== undefined ? { '#sub': 'sub' } : {}),
        ...(evidence ? { '#decision': decision } : {}),
        ...(external?.scope !== undefined ? { '#scope': 'scope' } : {}),
      },
      ExpressionAttributeValues: {
        ':pending': { S: 'pending' },
        ':now': { N: String(at) },
        ':at': { N: String(at) },
        ...(approving
          ? { ':approved': { S: 'approved' }, ':one': { N: '1' }, ':userVerified': { BOOL: options.userVerified === true }, ':true': { BOOL: true } }
          : { ':denied': { S: 'denied' } }),
        ...(options.amr && approving ? { ':amr': toAttribute(options.amr) } : {}),
        ...(options.sub !== undefined ? { ':sub': { S: options.sub } } : {}),
        ...(evidence ? { ':transactionHash': { S: evidence.transactionHash } } : {}),
        ...(external ? { ':fingerprint': { S: external.fingerprint } } : {}),
        ...(external?.scope !== undefined ? { ':scope': { S: external.scope } } : {}),
        ...(external?.claims !== undefined ? { ':claims': toAttribute(external.claims) } : {}),
        ...(external?.acr !== undefined ? { ':acr': { S: external.acr } } : {}),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    // A decision that names the user also frees the request's place in the user's pending set.
    const freesPending = options.sub !== undefined && (this.options.userLimits?.maxPendingRequests ?? 0) > 0;
    let old: AuthRequest | undefined;
    try {
      if (evidence || freesPending) {
        // The decision, its evidence and the pending set's update are written together or not at all.
        // The decision comes first: conditionFailureItem reads the first cancellation reason.
        await sendTransaction(this.dynamodb, {
          TransactItems: [
            { Update: update },
            ...(evidence ? [{ Put: { TableName: this.tableName, Item: evidenceItem(evidence), ConditionExpression: condition.isNew } }] : []),
            ...(freesPending && options.sub !== undefined ? [pendingRemoval(this.tableName, options.sub, authReqId, at)] : []),
          ],
        });
      } else {
        await this.dynamodb.execute(updateItem(update));
      }
      return 'decided';
    } catch (error) {
      const failed = conditionFailureItem(error);
      if (failed === undefined) throw error;
      old = failed ? toRecord(failed) : undefined;
    }
    // Stay indistinguishable: another user's request is as unknown as a missing one.
    if (!old || (options.sub !== undefined && old.sub !== options.sub)) return 'unknown';
    // A device never learns of, let alone decides, a request the external service authenticates.
    if (evidence && old.channel === 'external') return 'unknown';
    const open = old.status === 'pending' && old.expiresAt > at;
    if (open && evidence && old.transactionHashes?.[decision] !== evidence.transactionHash) return 'transactionMismatch';
    if (open && approving && old.userVerificationRequired && !options.userVerified) return 'userVerificationRequired';
    // The external service repeating the callback that decided: the same answer again, not a conflict.
    if (external && old.externalFingerprint === external.fingerprint) return 'decided';
    return 'notPending';
  }

  async listPending(sub: string): Promise<AuthRequest[]> {
    const Items = await readList(this.dynamodb, this.tableName, keyPrefix.pendingForUser + sub, { limit: 50, newestFirst: true });
    return Items.map(toRecord);
  }

  async storePushPayload(authReqId: string, payload: string, expiresAt: number, at: number): Promise<string> {
    try {
      const { Attributes } = await this.dynamodb.execute(
        updateItem({
          TableName: this.tableName,
          Key: key(authReqId),
          UpdateExpression: 'SET pushPayload = :payload, pushPayloadExpiresAt = :expiresAt',
          // Mint once: only where no payload is stored, or the stored tokens have expired.
          ConditionExpression: all(condition.exists, '(attribute_not_exists(pushPayload) OR pushPayloadExpiresAt <= :now)'),
          ExpressionAttributeValues: { ':payload': { S: payload }, ':expiresAt': { N: String(expiresAt) }, ':now': { N: String(at) } },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return Attributes?.pushPayload?.S ?? payload;
    } catch (error) {
      if (!isConditionFailure(error) || !error.Item?.pushPayload?.S) throw error;
      return error.Item.pushPayload.S;
    }
  }

  async recordDelivery(authReqId: string, delivery: DeliveryRecord, keepUntil?: number): Promise<void> {
    const ttl = tableSchema.timeToLiveAttribute;
    await this.dynamodb.execute(
      updateItem({
        TableName: this.tableName,
        Key: key(authReqId),
        UpdateExpression: `SET delivery = :delivery${keepUntil !== undefined ? ', #ttl = :ttl' : ''}`,
        ConditionExpression: condition.exists,
        ...(keepUntil !== undefined ? { ExpressionAttributeNames: { '#ttl': ttl } } : {}),
        ExpressionAttributeValues: {
          ':delivery': toAttribute(delivery),
          ...(keepUntil !== undefined ? { ':ttl': { N: String(Math.ceil(keepUntil / 1000)) } } : {}),
        },
      }),
    );
  }

  async remove(authReqId: string): Promise<void> {
    await this.dynamodb.execute(deleteItem({ TableName: this.tableName, Key: key(authReqId) }));
  }

  async requestRedrive(authReqId: string, at: number): Promise<boolean> {
    try {
      await this.dynamodb.execute(
        updateItem({
          TableName: this.tableName,
          Key: key(authReqId),
          UpdateExpression: 'SET redriveRequestedAt = :at',
          ConditionExpression: condition.exists,
          ExpressionAttributeValues: { ':at': { N: String(at) } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
