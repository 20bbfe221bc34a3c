/** Clients in DynamoDB: `CLIENT#<client_id>`, each on the `CLIENTS` list of the list index. */
import { deleteItem, getItem, putItem, updateItem, type DynamoDb } from './operations.js';
import type { Client } from '../../core/model.js';
import type { ClientAdministration, ClientRepository } from '../../core/ports.js';
import { fromItem, toItem, type Item } from './attributes.js';
import { condition, isConditionFailure } from './conditions.js';
import { onList, readList } from './list-index.js';
import { CLIENT_LIST, keyPrefix } from './table-schema.js';

/** The client a stored item holds, without the table's own attributes (key, list index keys). */
function toClient(item: Item): Client {
  const { pk: _pk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, ...record } = fromItem(item);
  return record as unknown as Client;
}

export class DynamoDbClientRepository implements ClientRepository, ClientAdministration {
  constructor(
    private readonly dynamodb: DynamoDb,
    private readonly tableName: string,
  ) {}

  async find(clientId: string): Promise<Client | undefined> {
    // Client ids come from the request: bound them before they become a key.
    if (clientId.length === 0 || clientId.length > 256) return undefined;
    const { Item } = await this.dynamodb.execute(
      // Consistent: a client registered a moment ago must be able to authenticate at once.
      getItem({ TableName: this.tableName, Key: this.key(clientId), ConsistentRead: true }),
    );
    return Item ? toClient(Item) : undefined;
  }

  async create(client: Client): Promise<void> {
    await this.dynamodb.execute(
      putItem({
        TableName: this.tableName,
        Item: toItem({ pk: keyPrefix.client + client.clientId, ...client, ...onList(CLIENT_LIST, client.createdAt, client.clientId) }),
        ConditionExpression: condition.isNew,
      }),
    );
  }

  async list(limit: number): Promise<Client[]> {
    return (await readList(this.dynamodb, this.tableName, CLIENT_LIST, { limit })).map(toClient);
  }

  async replaceSecretHash(clientId: string, currentHash: string, nextHash: string): Promise<boolean> {
    try {
      await this.dynamodb.execute(
        updateItem({
          TableName: this.tableName,
          Key: this.key(clientId),
          UpdateExpression: 'SET secretHash = :next',
          ConditionExpression: condition.hasSecretHash,
          ExpressionAttributeValues: { ':current': { S: currentHash }, ':next': { S: nextHash } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async remove(clientId: string): Promise<boolean> {
    try {
      await this.dynamodb.execute(deleteItem({ TableName: this.tableName, Key: this.key(clientId), ConditionExpression: condition.exists }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private key(clientId: string): Item {
    return { pk: { S: keyPrefix.client + clientId } };
  }
}
