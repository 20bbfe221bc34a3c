/**
 * What has been revoked, in DynamoDB: access tokens on the revocation list, and refresh grants.
 *
 * Revoked access tokens: `REVOKED#<jti>`, one plain put each (revoking twice writes the
 * same fact twice), kept (TTL) until the token's exp, after which the token is refused as expired anyway.
 *
 * The jti is not hashed, unlike the replay guard's: only a token whose signature verified gets here,
 * so the jti is one this provider made (22 base64url characters).
 */
import { getItem, putItem, type DynamoDb } from './operations.js';
import type { RevocationList, RevokedAccessToken } from '../../core/ports.js';
import type { RefreshGrantStatus } from '../../core/introspection/active-refresh-token.js';
import { toItem } from './attributes.js';
import { keyPrefix, tableSchema } from './table-schema.js';

export class DynamoDbRevocationList implements RevocationList {
  constructor(
    private readonly dynamodb: DynamoDb,
    private readonly tableName: string,
  ) {}

  async revoke(token: RevokedAccessToken): Promise<void> {
    await this.dynamodb.execute(
      putItem({
        TableName: this.tableName,
        Item: toItem({
          pk: keyPrefix.revokedAccessToken + token.jti,
          clientId: token.clientId,
          revokedAt: token.revokedAt,
          [tableSchema.timeToLiveAttribute]: Math.ceil(token.expiresAt / 1000),
        }),
      }),
    );
  }

  async isRevoked(jti: string): Promise<boolean> {
    // Consistent: a token revoked a moment ago must be refused by the very next request.
    const { Item } = await this.dynamodb.execute(
      getItem({ TableName: this.tableName, Key: { pk: { S: keyPrefix.revokedAccessToken + jti } }, ConsistentRead: true, ProjectionExpression: 'pk' }),
    );
    return Item !== undefined;
  }
}

/**
 * Whether a refresh grant is still active, read from the `GRANT#<grantId>` item that
 * refresh-token-repository.ts writes (status `active` | `revoked`, absoluteExpiresAt in epoch ms).
 * A minimal reader for introspection: the refresh-token repository's port reads tokens, not grants.
 */
export class DynamoDbRefreshGrantStatus implements RefreshGrantStatus {
  constructor(
    private readonly dynamodb: DynamoDb,
    private readonly tableName: string,
  ) {}

  async isActive(grantId: string, at: number): Promise<boolean> {
    const { Item } = await this.dynamodb.execute(
      getItem({
        TableName: this.tableName,
        Key: { pk: { S: keyPrefix.refreshGrant + grantId } },
        ConsistentRead: true,
        ProjectionExpression: '#status, absoluteExpiresAt',
        ExpressionAttributeNames: { '#status': 'status' },
      }),
    );
    // Gone (TTL) or revoked is inactive; the end is checked here too, as TTL deletes late.
    return Item?.status?.S === 'active' && Number(Item.absoluteExpiresAt?.N) > at;
  }
}
