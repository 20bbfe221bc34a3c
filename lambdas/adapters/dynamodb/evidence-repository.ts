/**
 * Evidence of decisions made on devices: `EVIDENCE#<auth_req_id>`, on the user's `EVIDENCE-OF#<sub>`
 * list. Written with the decision itself (auth-request-repository.ts); read by operators.
 */
import { getItem, type DynamoDb } from './operations.js';
import { readList } from './list-index.js';
import type { Evidence } from '../../core/model.js';
import { fromItem, type Item } from './attributes.js';
import { keyPrefix } from './table-schema.js';

function toEvidence(item: Item): Evidence {
  const { pk: _pk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, ...evidence } = fromItem(item);
  return evidence as unknown as Evidence;
}

export class DynamoDbEvidenceRepository {
  constructor(
    private readonly dynamodb: DynamoDb,
    private readonly tableName: string,
  ) {}

  async find(authReqId: string): Promise<Evidence | undefined> {
    const { Item } = await this.dynamodb.execute(getItem({ TableName: this.tableName, Key: { pk: { S: keyPrefix.evidence + authReqId } }, ConsistentRead: true }));
    return Item ? toEvidence(Item) : undefined;
  }

  /** Newest first. */
  async listForUser(sub: string, limit = 100): Promise<Evidence[]> {
    const Items = await readList(this.dynamodb, this.tableName, keyPrefix.evidenceForUser + sub, { limit, newestFirst: true });
    return Items.map(toEvidence);
  }
}
