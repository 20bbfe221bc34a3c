/** Authentication devices (`DEVICE#<device_id>`) and their one-time enrollment codes (`ENROLL#<hash>`). */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Device } from '../../core/model.js';
import type { DeviceRepository } from '../../core/ports.js';
import { fromItem, toItem } from './attributes.js';
import { all, condition, isConditionFailure } from './conditions.js';
import { keyPrefix, tableSchema } from './table-schema.js';

export class DynamoDbDeviceRepository implements DeviceRepository {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async find(deviceId: string): Promise<Device | undefined> {
    if (deviceId.length === 0 || deviceId.length > 128) return undefined;
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: keyPrefix.device + deviceId } }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, ...record } = fromItem(Item);
    return record as unknown as Device;
  }

  async create(device: Device): Promise<void> {
    await this.dynamodb.send(
      new PutItemCommand({ TableName: this.tableName, Item: toItem({ pk: keyPrefix.device + device.deviceId, ...device }), ConditionExpression: condition.isNew }),
    );
  }

  async createEnrollmentCode(codeHash: string, sub: string, expiresAt: number): Promise<void> {
    await this.dynamodb.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem({ pk: keyPrefix.enrollmentCode + codeHash, sub, expiresAt, [tableSchema.timeToLiveAttribute]: Math.ceil(expiresAt / 1000) }),
        ConditionExpression: condition.isNew,
      }),
    );
  }

  async consumeEnrollmentCode(codeHash: string, at: number): Promise<string | undefined> {
    try {
      const { Attributes } = await this.dynamodb.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: keyPrefix.enrollmentCode + codeHash } },
          ConditionExpression: all(condition.exists, condition.notExpired),
          ExpressionAttributeValues: { ':now': { N: String(at) } },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const sub = Attributes ? fromItem(Attributes).sub : undefined;
      return typeof sub === 'string' ? sub : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
