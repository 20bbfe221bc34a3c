/**
 * The signing key ring in one item, `SIGNING-KEYS`, changed only by conditional writes on its version.
 * No TTL: the ring lives as long as the table.
 */
import { getItem, putItem, type DynamoDb } from './operations.js';
import type { KeyRing } from '../../core/signing-keys/key-ring.js';
import type { KeyRingStore } from '../../core/ports.js';
import { condition, isConditionFailure } from './conditions.js';
import { fromItem, toItem } from './attributes.js';
import { SIGNING_KEY_RING } from './table-schema.js';

export class DynamoDbKeyRingStore implements KeyRingStore {
  constructor(
    private readonly dynamodb: DynamoDb,
    private readonly tableName: string,
  ) {}

  async read(): Promise<KeyRing | undefined> {
    // Strongly consistent: a function that just saw a rotation's new key must not read an older ring.
    const { Item } = await this.dynamodb.execute(getItem({ TableName: this.tableName, Key: { pk: { S: SIGNING_KEY_RING } }, ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, ...ring } = fromItem(Item);
    return ring as unknown as KeyRing;
  }

  async write(ring: KeyRing, expectedVersion: number | undefined): Promise<boolean> {
    try {
      await this.dynamodb.execute(
        putItem({
          TableName: this.tableName,
          Item: toItem({ pk: SIGNING_KEY_RING, ...ring }),
          ...(expectedVersion === undefined
            ? { ConditionExpression: condition.isNew }
            : { ConditionExpression: condition.atVersion, ExpressionAttributeValues: { ':expectedVersion': { N: String(expectedVersion) } } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
