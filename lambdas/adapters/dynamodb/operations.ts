/**
 * DynamoDB requests as plain objects, and the port the repositories send them through.
 *
 * An operation is `{ operation: 'GetItem', input }`, typed with the SDK's own input and output shapes
 * through `import type` only: the types cost nothing at run time, and a handler bundle holds no SDK
 * command classes or middleware. Two implementations of `DynamoDb` exist:
 * - `LeanDynamoDbClient` (lean-dynamodb-client.ts), which the Lambda handlers use: one signed HTTPS POST
 *   per request, without the SDK's per-request middleware stack;
 * - `sdkDynamoDb` (sdk-dynamodb.ts), over an SDK DynamoDBClient, for the operator CLI, whose users bring
 *   the SDK's whole credential chain (profiles, SSO), and for set-up code.
 *
 * Attribute values stay in DynamoDB's JSON form (`{ S: 'x' }`), binary values as Uint8Array as in the SDK.
 */
import type {
  DeleteItemInput,
  DeleteItemOutput,
  GetItemInput,
  GetItemOutput,
  PutItemInput,
  PutItemOutput,
  QueryInput,
  QueryOutput,
  TransactWriteItemsInput,
  TransactWriteItemsOutput,
  UpdateItemInput,
  UpdateItemOutput,
  BatchGetItemInput,
  BatchGetItemOutput,
} from '@aws-sdk/client-dynamodb';

/** The DynamoDB API operations the provider uses, by their API names (the X-Amz-Target suffix). */
export interface OperationShapes {
  GetItem: { input: GetItemInput; output: GetItemOutput };
  PutItem: { input: PutItemInput; output: PutItemOutput };
  UpdateItem: { input: UpdateItemInput; output: UpdateItemOutput };
  DeleteItem: { input: DeleteItemInput; output: DeleteItemOutput };
  Query: { input: QueryInput; output: QueryOutput };
  TransactWriteItems: { input: TransactWriteItemsInput; output: TransactWriteItemsOutput };
  BatchGetItem: { input: BatchGetItemInput; output: BatchGetItemOutput };
}

export type OperationName = keyof OperationShapes;

export interface Operation<N extends OperationName = OperationName> {
  readonly operation: N;
  readonly input: OperationShapes[N]['input'];
}

export type OutputOf<O extends Operation> = OperationShapes[O['operation']]['output'];

/**
 * What the repositories need of DynamoDB: execute one operation, get its output or its error. Not named
 * `send`: TypeScript would then accept an SDK DynamoDBClient (whose `send` takes command objects) where a
 * DynamoDb is wanted, and it would fail only at run time.
 */
export interface DynamoDb {
  execute<O extends Operation>(operation: O): Promise<OutputOf<O>>;
}

export const getItem = (input: GetItemInput): Operation<'GetItem'> => ({ operation: 'GetItem', input });
export const putItem = (input: PutItemInput): Operation<'PutItem'> => ({ operation: 'PutItem', input });
export const updateItem = (input: UpdateItemInput): Operation<'UpdateItem'> => ({ operation: 'UpdateItem', input });
export const deleteItem = (input: DeleteItemInput): Operation<'DeleteItem'> => ({ operation: 'DeleteItem', input });
export const query = (input: QueryInput): Operation<'Query'> => ({ operation: 'Query', input });
export const transactWriteItems = (input: TransactWriteItemsInput): Operation<'TransactWriteItems'> => ({ operation: 'TransactWriteItems', input });
export const batchGetItem = (input: BatchGetItemInput): Operation<'BatchGetItem'> => ({ operation: 'BatchGetItem', input });
