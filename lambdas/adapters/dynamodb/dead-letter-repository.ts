/**
 * Notifications that could not be delivered: `DEADLETTER#<auth_req_id>`, on the `DEADLETTERS` list of
 * the list index, kept two weeks (the retention of an SQS dead-letter queue's default maximum).
 */
import { deleteItem, getItem, putItem, type DynamoDb } from './operations.js';
import { onList, readList } from './list-index.js';
import type { DeadLetter } from '../../core/model.js';
import type { DeadLetterRepository } from '../../core/ports.js';
import { fromItem, toItem, type Item } from './attributes.js';
import { DEAD_LETTER_LIST, keyPrefix, tableSchema } from './table-schema.js';

export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

function toDeadLetter(item: Item): DeadLetter {
  const { pk: _pk, ttl: _ttl, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, ...letter } = fromItem(item);
  return letter as unknown as DeadLetter;
}

export class DynamoDbDeadLetterRepository implements DeadLetterRepository {
  constructor(
    private readonly dynamodb: DynamoDb,
    private readonly tableName: string,
  ) {}

  async record(letter: DeadLetter): Promise<void> {
    await this.dynamodb.execute(
      putItem({
        TableName: this.tableName,
        Item: toItem({
          pk: keyPrefix.deadLetter + letter.authReqId,
          ...letter,
          ...onList(DEAD_LETTER_LIST, letter.failedAt, letter.authReqId),
          [tableSchema.timeToLiveAttribute]: Math.ceil(letter.failedAt / 1000) + DEAD_LETTER_RETENTION_SECONDS,
        }),
      }),
    );
  }

  async list(limit: number): Promise<DeadLetter[]> {
    const Items = await readList(this.dynamodb, this.tableName, DEAD_LETTER_LIST, { limit });
    return Items.map(toDeadLetter);
  }

  async find(authReqId: string): Promise<DeadLetter | undefined> {
    const { Item } = await this.dynamodb.execute(getItem({ TableName: this.tableName, Key: { pk: { S: keyPrefix.deadLetter + authReqId } }, ConsistentRead: true }));
    return Item ? toDeadLetter(Item) : undefined;
  }

  async remove(authReqId: string): Promise<void> {
    await this.dynamodb.execute(deleteItem({ TableName: this.tableName, Key: { pk: { S: keyPrefix.deadLetter + authReqId } } }));
  }
}
