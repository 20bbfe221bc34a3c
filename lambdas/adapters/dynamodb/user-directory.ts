/**
 * Users in DynamoDB. A user is `USER#<sub>`; each way of naming them in a login_hint (username, email,
 * phone number) is a `LOGIN#<key>` item carrying a copy of the user, so resolving a hint is one read.
 * Users change rarely and are read on every backchannel request, so the copies are worth their
 * upkeep: every change writes all of them in one transaction.
 */
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { getItem, transactWriteItems, updateItem, type DynamoDb } from './operations.js';
import { loginKeyForHint, loginKeysOf, usernameProblem } from '../../core/login-keys.js';
import type { DeviceSummary, User } from '../../core/model.js';
import type { UserDirectory } from '../../core/ports.js';
import { fromItem, toItem } from './attributes.js';
import { condition } from './conditions.js';
import { keyPrefix } from './table-schema.js';

/** Concurrent changes to one user are rare (a few devices enrolling at once): a few retries settle them. */
const MAX_UPDATE_ATTEMPTS = 8;

export class UserExistsError extends Error {
  constructor(username: string) {
    super(`a user named ${username}, or with the same sub, email or phone number, already exists`);
    this.name = 'UserExistsError';
  }
}

function toUser(item: Record<string, unknown>): User {
  const { sub, username, claims, userCodeHash, lockedUntil, devices } = item;
  return {
    sub: sub as string,
    username: username as string,
    claims: (claims ?? {}) as Record<string, unknown>,
    ...(typeof userCodeHash === 'string' ? { userCodeHash } : {}),
    ...(typeof lockedUntil === 'number' ? { lockedUntil } : {}),
    ...(Array.isArray(devices) ? { devices: devices as DeviceSummary[] } : {}),
  };
}

export class DynamoDbUserDirectory implements UserDirectory {
  constructor(
    private readonly dynamodb: DynamoDb,
    private readonly tableName: string,
  ) {}

  private async get(pk: string): Promise<User | undefined> {
    const { Item } = await this.dynamodb.execute(getItem({ TableName: this.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }));
    return Item ? toUser(fromItem(Item)) : undefined;
  }

  async findByLoginHint(loginHint: string): Promise<User | undefined> {
    if (loginHint.length === 0) return undefined;
    return this.get(keyPrefix.login + loginKeyForHint(loginHint));
  }

  async findBySub(sub: string): Promise<User | undefined> {
    if (sub.length === 0 || sub.length > 255) return undefined;
    return this.get(keyPrefix.user + sub);
  }

  /** Creates a user and its login items, all or none; refuses a taken username, sub, email or phone. */
  async createUser(user: User): Promise<void> {
    const problem = usernameProblem(user.username);
    if (problem) throw new Error(problem);
    const record = { ...user, version: 1 };
    const put = (pk: string): TransactWriteItem => ({ Put: { TableName: this.tableName, Item: toItem({ pk, ...record }), ConditionExpression: condition.isNew } });
    try {
      await this.dynamodb.execute(
        transactWriteItems({ TransactItems: [put(keyPrefix.user + user.sub), ...loginKeysOf(user).map((key) => put(keyPrefix.login + key))] }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'TransactionCanceledException') throw new UserExistsError(user.username);
      throw error;
    }
  }

  async recordUserCodeFailure(user: User, _at: number, policy: { maxFailures: number; lockUntil: number }): Promise<void> {
    // The counter lives on the user's own item only; one atomic increment per wrong code.
    const { Attributes } = await this.dynamodb.execute(
      updateItem({
        TableName: this.tableName,
        Key: { pk: { S: keyPrefix.user + user.sub } },
        UpdateExpression: 'ADD userCodeFailures :one',
        ConditionExpression: condition.exists,
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const failures = Number(Attributes?.userCodeFailures?.N ?? 0);
    // The lock goes on every copy, so the hint lookup of the next request sees it with no extra read.
    if (failures >= policy.maxFailures) await this.updateUser(user.sub, (current) => ({ ...current, lockedUntil: policy.lockUntil }));
  }

  async clearUserCodeFailures(sub: string): Promise<void> {
    await this.dynamodb.execute(
      updateItem({
        TableName: this.tableName,
        Key: { pk: { S: keyPrefix.user + sub } },
        UpdateExpression: 'REMOVE userCodeFailures',
        ConditionExpression: condition.exists,
      }),
    );
  }

  async putDeviceSummary(sub: string, summary: DeviceSummary): Promise<void> {
    await this.updateUser(sub, (user) => ({ ...user, devices: [...(user.devices ?? []).filter((device) => device.deviceId !== summary.deviceId), summary] }));
  }

  async setUserCode(sub: string, userCodeHash: string): Promise<boolean> {
    return (await this.updateUser(sub, (user) => ({ ...user, userCodeHash }))) !== undefined;
  }

  /** Rewrites the user and every copy (CLI: unlock); the failure count starts again. */
  async replaceUser(user: User): Promise<void> {
    await this.updateUser(user.sub, () => user);
  }

  /**
   * Read, change, write back every copy, with optimistic concurrency: the write holds only if the
   * user's version is still the one read, so two changes at once (two devices enrolling) both land,
   * one after the other, instead of one overwriting the other. Returns the user as written.
   */
  async updateUser(sub: string, change: (user: User) => User): Promise<User | undefined> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const { Item } = await this.dynamodb.execute(getItem({ TableName: this.tableName, Key: { pk: { S: keyPrefix.user + sub } }, ConsistentRead: true }));
      if (!Item) return undefined;
      const version = Number(Item.version?.N ?? 0);
      const next = change(toUser(fromItem(Item)));
      const record = { ...next, version: version + 1 };
      const owner: TransactWriteItem = {
        Put: {
          TableName: this.tableName,
          Item: toItem({ pk: keyPrefix.user + sub, ...record }),
          ConditionExpression: version === 0 ? 'attribute_not_exists(version)' : 'version = :version',
          ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': { N: String(version) } } }),
        },
      };
      const copies = loginKeysOf(next).map((key): TransactWriteItem => ({ Put: { TableName: this.tableName, Item: toItem({ pk: keyPrefix.login + key, ...record }) } }));
      try {
        await this.dynamodb.execute(transactWriteItems({ TransactItems: [owner, ...copies] }));
        return next;
      } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
        const conflict = (error as { name?: string }).name === 'TransactionCanceledException' && reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict');
        if (!conflict) throw error;
      }
    }
    throw new Error(`user ${sub} kept changing under ${MAX_UPDATE_ATTEMPTS} attempts to update it`);
  }
}
