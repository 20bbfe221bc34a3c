/**
 * Users in DynamoDB. A user is `USER#<sub>`; each way of naming them in a login_hint is a
 * `LOGIN#<hint>` item carrying a copy of the user, so resolving a hint is one read. Users change
 * rarely and are read on every backchannel request, so the copies are worth their upkeep: they are
 * written together, in one transaction, by `createUser`.
 */
import { GetItemCommand, TransactWriteItemsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { User } from '../../core/model.js';
import type { UserDirectory } from '../../core/ports.js';
import { fromItem, toItem } from './attributes.js';
import { condition } from './conditions.js';
import { keyPrefix } from './table-schema.js';

export class UserExistsError extends Error {
  constructor(username: string) {
    super(`a user named ${username} already exists`);
    this.name = 'UserExistsError';
  }
}

export class DynamoDbUserDirectory implements UserDirectory {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Usernames match exactly, case included, as the user directory stores them. */
  async findByLoginHint(loginHint: string): Promise<User | undefined> {
    if (loginHint.length === 0) return undefined;
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: keyPrefix.login + loginHint } }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { sub, username, claims } = fromItem(Item);
    return { sub, username, claims } as User;
  }

  /** Creates a user and its login item, both or neither; refuses a taken username or sub. */
  async createUser(user: User): Promise<void> {
    const record = { sub: user.sub, username: user.username, claims: user.claims };
    try {
      await this.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: toItem({ pk: keyPrefix.user + user.sub, ...record }), ConditionExpression: condition.isNew } },
            { Put: { TableName: this.tableName, Item: toItem({ pk: keyPrefix.login + user.username, ...record }), ConditionExpression: condition.isNew } },
          ],
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'TransactionCanceledException') throw new UserExistsError(user.username);
      throw error;
    }
  }
}
