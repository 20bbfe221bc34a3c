/**
 * Single-use JWT ids in DynamoDB: `JTI#<kind>#<issuer: client or device id>#<sha256(jti)>`, one conditional put each,
 * kept (TTL) until the JWT would have expired anyway.
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ReplayGuard, ReplayKind } from '../../core/ports.js';
import { hashSecret } from '../../core/secrets/secrets.js';
import { toItem } from './attributes.js';
import { condition, isConditionFailure } from './conditions.js';
import { keyPrefix, tableSchema } from './table-schema.js';

export class DynamoDbReplayGuard implements ReplayGuard {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async firstUse(kind: ReplayKind, issuer: string, jti: string, expiresAt: number): Promise<boolean> {
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          // Hashed: the jti is the client's string, of any shape; the key stays short and uniform.
          Item: toItem({ pk: `${keyPrefix.jti}${kind}#${issuer}#${hashSecret(jti)}`, [tableSchema.timeToLiveAttribute]: Math.ceil(expiresAt / 1000) }),
          ConditionExpression: condition.isNew,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
