/**
 * Single-use JWT ids in DynamoDB: `JTI#<kind>#<issuer: client or device id>#<sha256(jti)>`, one conditional put each,
 * kept (TTL) until the JWT would have expired anyway.
 */
import { putItem, type DynamoDb } from './operations.js';
import type { ReplayGuard, ReplayKind } from '../../core/ports.js';
import { hashSecret } from '../../core/secrets/secrets.js';
import { toItem } from './attributes.js';
import { condition, isConditionFailure } from './conditions.js';
import { keyPrefix, tableSchema } from './table-schema.js';

export class DynamoDbReplayGuard implements ReplayGuard {
  constructor(
    private readonly dynamodb: DynamoDb,
    private readonly tableName: string,
  ) {}

  async firstUse(kind: ReplayKind, issuer: string, jti: string, expiresAt: number): Promise<boolean> {
    try {
      await this.dynamodb.execute(
        putItem({
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
