/**
 * The rotation function as a custom resource must answer CloudFormation even when making the keys
 * fails: an unanswered custom resource hangs the deployment for an hour. Making the keys is made to
 * fail here (its module is replaced); the answer goes to a real loopback server.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startReceiver, type Receiver } from '../../support/receiver.js';

vi.mock('../../../lambdas/core/signing-keys/rotate-signing-keys.js', () => ({
  ensureSigningKeys: async () => {
    throw Object.assign(new Error('User is not authorized to perform: kms:GenerateDataKeyPairWithoutPlaintext'), { name: 'AccessDeniedException' });
  },
  rotateSigningKeys: async () => {
    throw new Error('not called');
  },
}));

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

describe('the signing keys custom resource, failing', () => {
  it('answers FAILED with the reason, and the invocation itself succeeds', async () => {
    const { handler } = await import('../../../lambdas/handlers/signing-key-rotation.js');
    const result = await handler({
      RequestType: 'Create',
      ResponseURL: `http://127.0.0.1:${receiver.port}/cfn/failing`,
      StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/test/1',
      RequestId: 'failing',
      LogicalResourceId: 'SigningKeysRing',
    });
    expect(result).toEqual({ status: 'FAILED' });
    await receiver.waitFor((requests) => requests.length > 0, 5000);
    const answer = JSON.parse(receiver.requests[0]!.body) as Record<string, unknown>;
    expect(answer).toEqual({
      Status: 'FAILED',
      Reason: 'AccessDeniedException: User is not authorized to perform: kms:GenerateDataKeyPairWithoutPlaintext',
      PhysicalResourceId: 'signing-key-ring',
      StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/test/1',
      RequestId: 'failing',
      LogicalResourceId: 'SigningKeysRing',
    });
    expect(receiver.requests[0]!.headers['content-type']).toBe('');
  });
});
