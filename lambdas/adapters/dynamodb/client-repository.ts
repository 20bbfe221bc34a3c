/** Clients in DynamoDB: `CLIENT#<client_id>`. */
import { getItem, putItem, type DynamoDb } from './operations.js';
import type { Client } from '../../core/model.js';
import type { ClientRepository } from '../../core/ports.js';
import { fromItem, toItem } from './attributes.js';
import { condition } from './conditions.js';
import { keyPrefix } from './table-schema.js';

export class DynamoDbClientRepository implements ClientRepository {
  constructor(
    private readonly dynamodb: DynamoDb,
    private readonly tableName: string,
  ) {}

  async find(clientId: string): Promise<Client | undefined> {
    // Client ids come from the request: bound them before they become a key.
    if (clientId.length === 0 || clientId.length > 256) return undefined;
    const { Item } = await this.dynamodb.execute(
      // Consistent: a client registered a moment ago must be able to authenticate at once.
      getItem({ TableName: this.tableName, Key: { pk: { S: keyPrefix.client + clientId } }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, ...record } = fromItem(Item);
    return record as unknown as Client;
  }

  async create(client: Client): Promise<void> {
    await this.dynamodb.execute(
      putItem({
        TableName: this.tableName,
        Item: toItem({ pk: keyPrefix.client + client.clientId, ...client }),
        ConditionExpression: condition.isNew,
      }),
    );
  }
}
