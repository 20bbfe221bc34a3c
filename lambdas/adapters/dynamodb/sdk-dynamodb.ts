/**
 * The repositories' DynamoDb port over the SDK's DynamoDBClient, for the operator CLI (which talks to
 * deployed tables with the user's whole credential chain: profiles, SSO) and for set-up code (DynamoDB
 * Local's table and demo users). Never imported by a Lambda handler: they use LeanDynamoDbClient, and
 * this module would pull the SDK into their bundles.
 */
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDb, Operation, OutputOf } from './operations.js';

/** Sends an operation object as the SDK command of the same name. */
function sendCommand(client: DynamoDBClient, operation: Operation): Promise<unknown> {
  switch (operation.operation) {
    case 'GetItem':
      return client.send(new GetItemCommand((operation as Operation<'GetItem'>).input));
    case 'PutItem':
      return client.send(new PutItemCommand((operation as Operation<'PutItem'>).input));
    case 'UpdateItem':
      return client.send(new UpdateItemCommand((operation as Operation<'UpdateItem'>).input));
    case 'DeleteItem':
      return client.send(new DeleteItemCommand((operation as Operation<'DeleteItem'>).input));
    case 'Query':
      return client.send(new QueryCommand((operation as Operation<'Query'>).input));
    case 'TransactWriteItems':
      return client.send(new TransactWriteItemsCommand((operation as Operation<'TransactWriteItems'>).input));
    case 'BatchGetItem':
      return client.send(new BatchGetItemCommand((operation as Operation<'BatchGetItem'>).input));
  }
}

export function sdkDynamoDb(client: DynamoDBClient): DynamoDb {
  return {
    async execute<O extends Operation>(operation: O): Promise<OutputOf<O>> {
      return (await sendCommand(client, operation)) as OutputOf<O>;
    },
  };
}
