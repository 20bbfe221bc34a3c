/**
 * The table stream's consumer: turns each change of a ping or push authentication request into
 * delivery jobs. A failure throws, so that the whole batch is retried: no change is skipped.
 */
import middy from '@middy/core';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { fromItem } from '../adapters/dynamodb/attributes.js';
import { keyPrefix } from '../adapters/dynamodb/table-schema.js';
import { notificationQueue } from '../adapters/notification-queue.js';
import { withCorrelation } from '../adapters/observability/correlation.js';
import { observeInvocation } from '../adapters/observability/middleware.js';
import { config } from '../config.js';
import type { AuthRequest } from '../core/model.js';
import { planNotifications } from '../core/notification/plan-notifications.js';
import { systemClock } from '../core/ports.js';

type Image = Record<string, AttributeValue> | undefined;

function authRequestOf(image: Image): AuthRequest | undefined {
  if (!image || !image.pk?.S?.startsWith(keyPrefix.authRequest)) return undefined;
  return fromItem(image) as unknown as AuthRequest;
}

export const handler = middy<DynamoDBStreamEvent, void>()
  .use(observeInvocation({ metrics: false }))
  .handler(async function dispatchNotifications(event) {
    const queue = notificationQueue(config());
    for (const record of event.Records) {
      const before = authRequestOf(record.dynamodb?.OldImage as Image);
      const after = authRequestOf(record.dynamodb?.NewImage as Image);
      const authReqId = after?.authReqId ?? before?.authReqId;
      if (authReqId === undefined) continue;
      // An error thrown here is logged by Lambda with the batch; the scope labels lines written on the way.
      await withCorrelation(authReqId, async () => {
        for (const { job, delayMs } of planNotifications({ before, after }, systemClock.now())) await queue.enqueue(job, delayMs);
      });
    }
  });
