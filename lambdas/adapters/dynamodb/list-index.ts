/**
 * The list index (table-schema.ts): an item is on a list while it carries the index's two keys, the
 * list's name and a sort key of time then id. Every list the provider keeps is written and read here.
 */
import { query, type DynamoDb } from './operations.js';
import type { Item } from './attributes.js';
import { tableSchema } from './table-schema.js';

/** The attributes that put an item on `list`, ordered by `at` (epoch ms), ties broken by `id`. */
export function onList(list: string, at: number, id: string): Record<string, string> {
  const { listIndex } = tableSchema;
  return { [listIndex.partitionKey]: list, [listIndex.sortKey]: `${new Date(at).toISOString()}#${id}` };
}

/** The items on `list`, oldest first unless `newestFirst`, at most `limit` (one Query, never a scan). */
export async function readList(dynamodb: DynamoDb, tableName: string, list: string, options: { limit: number; newestFirst?: boolean }): Promise<Item[]> {
  const { listIndex } = tableSchema;
  const { Items = [] } = await dynamodb.execute(
    query({
      TableName: tableName,
      IndexName: listIndex.name,
      KeyConditionExpression: '#list = :list',
      ExpressionAttributeNames: { '#list': listIndex.partitionKey },
      ExpressionAttributeValues: { ':list': { S: list } },
      ScanIndexForward: options.newestFirst !== true,
      Limit: options.limit,
    }),
  );
  return Items;
}
