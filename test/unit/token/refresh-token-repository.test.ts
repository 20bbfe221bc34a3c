/**
 * The DynamoDB refresh token repository at the SDK boundary (aws-sdk-client-mock): the rotation's one
 * transaction, and how a cancelled transaction's reasons become outcomes. DynamoDB Local never reports
 * a TransactionConflict, so the retry on one is shown here.
 */
import { DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbRefreshTokenRepository } from '../../../lambdas/adapters/dynamodb/refresh-token-repository.js';
import type { RefreshToken } from '../../../lambdas/core/ports.js';
import { sdkDynamoDb } from '../../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

const dynamodb = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(dynamodb);
const repository = new DynamoDbRefreshTokenRepository(sdkDynamoDb(dynamodb), 'table');

afterAll(() => mock.restore());
beforeEach(() => mock.reset());

const token = (tokenHash: string): RefreshToken => ({
  tokenHash,
  grantId: 'grant-1',
  clientId: 'client-1',
  sub: 'jane.doe',
  scope: 'openid offline_access',
  authTime: 1,
  issuedAt: 1,
  absoluteExpiresAt: 10_000,
  idleExpiresAt: 5_000,
  status: 'active',
});

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

describe('rotate', () => {
  it('is one transaction: the old token spent if active and owned, the new one put if new, the grant checked active', async () => {
    mock.on(TransactWriteItemsCommand).resolves({});
    expect(await repository.rotate(token('old'), token('new'), 42)).toEqual({ kind: 'rotated' });
    const [call] = mock.commandCalls(TransactWriteItemsCommand);
    const items = call?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(3);
    expect(items[0]?.Update?.Key).toEqual({ pk: { S: 'REFRESH#old' } });
    expect(items[0]?.Update?.ConditionExpression).toContain('#status = :active');
    expect(items[0]?.Update?.ConditionExpression).toContain('clientId = :clientId');
    expect(items[1]?.Put?.Item?.pk).toEqual({ S: 'REFRESH#new' });
    expect(items[1]?.Put?.Item?.ttl).toEqual({ N: '10' });
    expect(items[1]?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(items[2]?.ConditionCheck?.Key).toEqual({ pk: { S: 'GRANT#grant-1' } });
  });

  it('maps a failed condition on the old token to notActive, and on the grant to grantRevoked', async () => {
    mock.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    expect(await repository.rotate(token('old'), token('new'), 42)).toEqual({ kind: 'notActive' });
    mock.on(TransactWriteItemsCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed'));
    expect(await repository.rotate(token('old'), token('new'), 42)).toEqual({ kind: 'grantRevoked' });
  });

  it('tries again after a transaction conflict, and reports what the retry finds', async () => {
    mock.on(TransactWriteItemsCommand).rejectsOnce(cancelled('TransactionConflict', 'None', 'None')).resolves({});
    expect(await repository.rotate(token('old'), token('new'), 42)).toEqual({ kind: 'rotated' });
    expect(mock.commandCalls(TransactWriteItemsCommand)).toHaveLength(2);

    mock.reset();
    mock.on(TransactWriteItemsCommand).rejectsOnce(cancelled('None', 'None', 'TransactionConflict')).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    expect(await repository.rotate(token('old'), token('new'), 42)).toEqual({ kind: 'notActive' });
  });

  it('gives up after a bounded number of conflicts, and never swallows a clash of the new key', async () => {
    mock.on(TransactWriteItemsCommand).rejects(cancelled('TransactionConflict', 'None', 'None'));
    await expect(repository.rotate(token('old'), token('new'), 42)).rejects.toThrow(TransactionCanceledException);
    expect(mock.commandCalls(TransactWriteItemsCommand).length).toBe(5);

    mock.reset();
    mock.on(TransactWriteItemsCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None'));
    await expect(repository.rotate(token('old'), token('new'), 42)).rejects.toThrow(TransactionCanceledException);
  });
});

describe('revokeGrant', () => {
  it('sets the grant revoked, and ignores a grant that is gone', async () => {
    mock.on(UpdateItemCommand).resolves({});
    await repository.revokeGrant('grant-1', 42);
    expect(mock.commandCalls(UpdateItemCommand)[0]?.args[0].input).toMatchObject({ Key: { pk: { S: 'GRANT#grant-1' } }, ConditionExpression: 'attribute_exists(pk)' });

    mock.on(UpdateItemCommand).rejects(Object.assign(new Error('gone'), { name: 'ConditionalCheckFailedException' }));
    await expect(repository.revokeGrant('grant-1', 42)).resolves.toBeUndefined();
  });
});
