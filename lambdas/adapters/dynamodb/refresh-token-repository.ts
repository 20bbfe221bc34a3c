/**
 * Refresh tokens in DynamoDB (RFC 6749 §6): `REFRESH#<SHA-256 of the token>` for each token, never the
 * token itself, and `GRANT#<grantId>` for each grant, the family of tokens one authorization began.
 *
 * Every refresh is one transaction: the presented token turns `used` on condition that it is `active`,
 * its successor is stored, and the grant must be `active`. Concurrent uses of one token cannot both pass
 * the first condition; revoking the grant stops every token of it, since every use checks the grant.
 * Both kinds of item live until the grant's absolute end, so that a used token is still recognised (and
 * its reuse detected) for as long as any token of its grant could be used.
 */
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { getItem, transactWriteItems, updateItem, type DynamoDb } from './operations.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RefreshGrant, RefreshRotation, RefreshToken, RefreshTokenRepository } from '../../core/ports.js';
import { fromItem, toItem, type Item } from './attributes.js';
import { all, condition, isConditionFailure } from './conditions.js';
import { keyPrefix, tableSchema } from './table-schema.js';

/** The conditions of refresh token writes, named as in conditions.ts. */
const refreshCondition = {
  /** The token (or grant) has not been used, or revoked, since it was read. */
  isActive: '#status = :active',
} as const;

/**
 * How often a rotation that lost a transaction conflict (another transaction on one of its items was
 * in flight) is tried again. A retry either succeeds or finds the token used: never both for two requests.
 */
const MAX_ROTATION_ATTEMPTS = 5;

const tokenKey = (tokenHash: string): Item => ({ pk: { S: keyPrefix.refreshToken + tokenHash } });
const grantKey = (grantId: string): Item => ({ pk: { S: keyPrefix.refreshGrant + grantId } });

/** DynamoDB TTL is in epoch seconds. */
const ttlOf = (absoluteExpiresAt: number): number => Math.ceil(absoluteExpiresAt / 1000);

function toRecord(item: Item): RefreshToken {
  const { pk, ttl: _ttl, usedAt: _usedAt, ...record } = fromItem(item);
  return { ...record, tokenHash: String(pk).slice(keyPrefix.refreshToken.length) } as unknown as RefreshToken;
}

function tokenItem(token: RefreshToken): Item {
  const { tokenHash, ...record } = token;
  return toItem({ pk: keyPrefix.refreshToken + tokenHash, ...record, [tableSchema.timeToLiveAttribute]: ttlOf(token.absoluteExpiresAt) });
}

function grantItem(grant: RefreshGrant): Item {
  const { grantId, ...record } = grant;
  return toItem({ pk: keyPrefix.refreshGrant + grantId, ...record, [tableSchema.timeToLiveAttribute]: ttlOf(grant.absoluteExpiresAt) });
}

type CancellationReason = { readonly Code?: string };

/** The per-item reasons of a cancelled transaction, or undefined when the error is something else. */
function cancellationReasons(error: unknown): readonly CancellationReason[] | undefined {
  if ((error as { name?: string }).name !== 'TransactionCanceledException') return undefined;
  return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
}

export class DynamoDbRefreshTokenRepository implements RefreshTokenRepository {
  constructor(
    private readonly dynamodb: DynamoDb,
    private readonly tableName: string,
  ) {}

  async createGrant(grant: RefreshGrant, first: RefreshToken): Promise<void> {
    await this.dynamodb.execute(
      transactWriteItems({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: grantItem(grant), ConditionExpression: condition.isNew } },
          { Put: { TableName: this.tableName, Item: tokenItem(first), ConditionExpression: condition.isNew } },
        ],
      }),
    );
  }

  async find(tokenHash: string): Promise<RefreshToken | undefined> {
    const { Item } = await this.dynamodb.execute(getItem({ TableName: this.tableName, Key: tokenKey(tokenHash), ConsistentRead: true }));
    return Item ? toRecord(Item) : undefined;
  }

  async rotate(presented: RefreshToken, next: RefreshToken, at: number): Promise<RefreshRotation> {
    const items: TransactWriteItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: tokenKey(presented.tokenHash),
          UpdateExpression: 'SET #status = :used, usedAt = :at',
          ConditionExpression: all(condition.exists, condition.ownedByClient, refreshCondition.isActive),
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':used': { S: 'used' }, ':at': { N: String(at) }, ':active': { S: 'active' }, ':clientId': { S: presented.clientId } },
        },
      },
      { Put: { TableName: this.tableName, Item: tokenItem(next), ConditionExpression: condition.isNew } },
      {
        ConditionCheck: {
          TableName: this.tableName,
          Key: grantKey(presented.grantId),
          ConditionExpression: all(condition.exists, refreshCondition.isActive),
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': { S: 'active' } },
        },
      },
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.dynamodb.execute(transactWriteItems({ TransactItems: items }));
        return { kind: 'rotated' };
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons === undefined) throw error;
        const [token, successor, grant] = reasons;
        if (token?.Code === 'ConditionalCheckFailed') return { kind: 'notActive' };
        if (grant?.Code === 'ConditionalCheckFailed') return { kind: 'grantRevoked' };
        // A random 256-bit key that exists already is a bug, never an overwrite.
        if (successor?.Code === 'ConditionalCheckFailed') throw error;
        const conflict = reasons.some((reason) => reason.Code === 'TransactionConflict');
        if (!conflict || attempt >= MAX_ROTATION_ATTEMPTS) throw error;
        // Another transaction on the token or the grant: wait a little, jittered, and try again.
        await sleep(Math.floor(Math.random() * 20 * attempt));
      }
    }
  }

  async revokeGrant(grantId: string, at: number): Promise<void> {
    try {
      await this.dynamodb.execute(
        updateItem({
          TableName: this.tableName,
          Key: grantKey(grantId),
          UpdateExpression: 'SET #status = :revoked, revokedAt = if_not_exists(revokedAt, :at)',
          ConditionExpression: condition.exists,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':revoked': { S: 'revoked' }, ':at': { N: String(at) } },
        }),
      );
    } catch (error) {
      // The grant has gone (its absolute end passed and TTL removed it): nothing is left to revoke.
      if (!isConditionFailure(error)) throw error;
    }
  }
}
