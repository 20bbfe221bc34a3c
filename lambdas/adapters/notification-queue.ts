/**
 * The delivery queue as configured: SQS when deployed, the local runner's queue locally. Made once per
 * process on first use.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError, type Config } from '../config.js';
import type { NotificationQueue } from '../core/ports.js';
import { localNotificationQueue } from './queue/local-notification-queue.js';
import { SqsNotificationQueue } from './queue/sqs-notification-queue.js';

let queue: NotificationQueue | undefined;

export function notificationQueue(config: Config): NotificationQueue {
  if (!queue) {
    const setting = config.delivery.queue;
    if (!setting) throw new ConfigurationError('CIBA_DELIVERY_QUEUE_URL', 'is required to deliver ping and push notifications');
    queue = setting.kind === 'sqs' ? new SqsNotificationQueue(new SQSClient({ region: config.region }), setting.url) : localNotificationQueue;
  }
  return queue;
}
