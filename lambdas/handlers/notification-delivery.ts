/**
 * The delivery queue's consumer. Each message is one notification job; a job that throws (the table or
 * the signing key unavailable) is reported as failed, so the queue offers it again and, in the end,
 * moves it to its own dead-letter queue. Deliveries that fail at the client end are handled inside.
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { notificationQueue } from '../adapters/notification-queue.js';
import { notificationSender } from '../adapters/notification-sender.js';
import { pushService } from '../adapters/push-service.js';
import { providerSigner } from '../adapters/signing/signer.js';
import { tableRepositories } from '../adapters/table.js';
import { config } from '../config.js';
import { deliverNotification } from '../core/notification/deliver-notification.js';
import { systemClock, type NotificationJob } from '../core/ports.js';

function readJob(body: string): NotificationJob | undefined {
  try {
    const job = JSON.parse(body) as Partial<NotificationJob>;
    if ((job.kind === 'result' || job.kind === 'expiry' || job.kind === 'phone') && typeof job.authReqId === 'string' && Number.isInteger(job.attempt)) return job as NotificationJob;
  } catch {
    // not JSON: dropped below
  }
  return undefined;
}

export const handler = middy<SQSEvent, SQSBatchResponse>().handler(async function deliverNotifications(event) {
  const settings = config();
  const { authRequests, refreshTokens, deadLetters, devices, users } = tableRepositories(settings);
  const deps = {
    config: settings,
    clock: systemClock,
    authRequests,
    refreshTokens,
    deadLetters,
    devices,
    users,
    push: pushService(settings),
    queue: notificationQueue(settings),
    sender: notificationSender(settings),
    signer: providerSigner(settings),
  };
  // Jobs of a batch are independent: delivered side by side, so one slow endpoint does not hold up the rest.
  const results = await Promise.all(
    event.Records.map(async (record) => {
      const job = readJob(record.body);
      if (!job) {
        console.error(JSON.stringify({ level: 'ERROR', message: 'malformed delivery job dropped', messageId: record.messageId }));
        return undefined;
      }
      try {
        await deliverNotification(job, deps);
        return undefined;
      } catch (error) {
        console.error(JSON.stringify({ level: 'ERROR', message: 'delivery job failed; the queue will offer it again', messageId: record.messageId, error: String(error) }));
        return { itemIdentifier: record.messageId };
      }
    }),
  );
  const batchItemFailures = results.filter((failure) => failure !== undefined);
  return { batchItemFailures };
});
