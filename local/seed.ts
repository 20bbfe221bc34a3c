/**
 * Demo users for the local runner: the users of the seed walkthroughs (ForgeRock's `demo` and
 * `jane.doe`, SecureAuth's `John`). Their sub is their username, so an ID token's sub matches the hint.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { sdkDynamoDb } from '../lambdas/adapters/dynamodb/sdk-dynamodb.js';
import { DynamoDbUserDirectory, UserExistsError } from '../lambdas/adapters/dynamodb/user-directory.js';
import type { User } from '../lambdas/core/model.js';

export const DEMO_USERS: readonly User[] = [
  { sub: 'jane.doe', username: 'jane.doe', claims: { name: 'Jane Doe', given_name: 'Jane', family_name: 'Doe', email: 'jane.doe@example.com', email_verified: true } },
  { sub: 'demo', username: 'demo', claims: { name: 'Demo User', given_name: 'Demo', family_name: 'User', email: 'demo@example.com', email_verified: true } },
  { sub: 'John', username: 'John', claims: { name: 'John Smith', given_name: 'John', family_name: 'Smith', email: 'john@example.com', email_verified: true } },
];

/** Creates the demo users that do not exist yet. */
export async function seedDemoUsers(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  const directory = new DynamoDbUserDirectory(sdkDynamoDb(dynamodb), tableName);
  for (const user of DEMO_USERS) {
    try {
      await directory.createUser(user);
    } catch (error) {
      if (!(error instanceof UserExistsError)) throw error;
    }
  }
}
