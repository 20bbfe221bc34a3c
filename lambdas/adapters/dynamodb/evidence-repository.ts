/**
 * Evidence of decisions made on devices: `EVIDENCE#<auth_req_id>`, on the user's `EVIDENCE-OF#<sub>`
 * list. Written with the decision itself (auth-request-repository.ts); read by operators.
 */
import { GetItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Evidence } from '../../core/model.js';
import { fromItem, type Item } from './attributes.js';
import { keyPrefix, tableSchema } from './table-schema.js';

function toEvidence(item: Item): Evidence {
  const { pk: _pk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, ...evidence } = fromItem(item);
  return evidence as unknown as Evidence;
}

export class DynamoDbEvidenceRepository {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async find(authReqId: string): Promise<Evidence | undefined> {
    const { Item } = await this.dynamodb.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: keyPrefix.evidence + authReqId } }, ConsistentRead: true }));
    return Item ? toEvidence(Item) : undefined;
  }

  /** Newest first. */
  async listForUser(sub: string, limit = 100): Promise<Evidence[]> {
    const { listIndex } = tableSchema;
    const { Items = [] } = await this.dynamodb.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: listIndex.name,
        KeyConditionExpression: '#list = :list',
        ExpressionAttributeNames: { '#list': listIndex.partitionKey },
        ExpressionAttributeValues: { ':list': { S: keyPrefix.evidenceForUser + sub } },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(toEvidence);
  }
}
