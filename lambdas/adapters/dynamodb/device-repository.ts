/** Authentication devices (`DEVICE#<device_id>`) and their one-time enrollment codes (`ENROLL#<hash>`). */
import { deleteItem, getItem, putItem, updateItem, type DynamoDb } from './operations.js';
import { onList, readList } from './list-index.js';
import type { Device } from '../../core/model.js';
import type { DeviceRepository } from '../../core/ports.js';
import { fromItem, toItem } from './attributes.js';
import { all, condition, isConditionFailure } from './conditions.js';
import { keyPrefix, tableSchema } from './table-schema.js';

function toDevice(item: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue>): Device {
  const { pk: _pk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, ...record } = fromItem(item);
  return record as unknown as Device;
}

export class DynamoDbDeviceRepository implements DeviceRepository {
  constructor(
    private readonly dynamodb: DynamoDb,
    private readonly tableName: string,
  ) {}

  async find(deviceId: string): Promise<Device | undefined> {
    if (deviceId.length === 0 || deviceId.length > 128) return undefined;
    const { Item } = await this.dynamodb.execute(
      getItem({ TableName: this.tableName, Key: { pk: { S: keyPrefix.device + deviceId } }, ConsistentRead: true }),
    );
    return Item ? toDevice(Item) : undefined;
  }

  async create(device: Device): Promise<void> {
    await this.dynamodb.execute(
      putItem({
        TableName: this.tableName,
        Item: toItem({
          pk: keyPrefix.device + device.deviceId,
          ...device,
          // On the user's device list, for the operator's CLI.
          ...onList(keyPrefix.devicesOfUser + device.sub, device.createdAt, device.deviceId),
        }),
        ConditionExpression: condition.isNew,
      }),
    );
  }

  async listForUser(sub: string): Promise<Device[]> {
    const Items = await readList(this.dynamodb, this.tableName, keyPrefix.devicesOfUser + sub, { limit: 100 });
    return Items.map((item) => toDevice(item));
  }

  async setStatus(deviceId: string, status: Device['status']): Promise<boolean> {
    try {
      await this.dynamodb.execute(
        updateItem({
          TableName: this.tableName,
          Key: { pk: { S: keyPrefix.device + deviceId } },
          UpdateExpression: 'SET #status = :status',
          // A revoked device stays revoked: only a new enrollment brings a phone back.
          ConditionExpression: all(condition.exists, '#status <> :revoked'),
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': { S: status }, ':revoked': { S: 'revoked' } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async setPushToken(deviceId: string, pushToken: string, endpointArn: string | undefined): Promise<void> {
    await this.dynamodb.execute(
      updateItem({
        TableName: this.tableName,
        Key: { pk: { S: keyPrefix.device + deviceId } },
        UpdateExpression: endpointArn ? 'SET pushToken = :token, endpointArn = :arn' : 'SET pushToken = :token',
        ConditionExpression: condition.exists,
        ExpressionAttributeValues: { ':token': { S: pushToken }, ...(endpointArn ? { ':arn': { S: endpointArn } } : {}) },
      }),
    );
  }

  async createEnrollmentCode(codeHash: string, sub: string, expiresAt: number): Promise<void> {
    await this.dynamodb.execute(
      putItem({
        TableName: this.tableName,
        Item: toItem({ pk: keyPrefix.enrollmentCode + codeHash, sub, expiresAt, [tableSchema.timeToLiveAttribute]: Math.ceil(expiresAt / 1000) }),
        ConditionExpression: condition.isNew,
      }),
    );
  }

  async consumeEnrollmentCode(codeHash: string, at: number): Promise<string | undefined> {
    try {
      const { Attributes } = await this.dynamodb.execute(
        deleteItem({
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
