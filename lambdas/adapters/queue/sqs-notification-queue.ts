/** Delivery jobs on SQS. A job's delay is at most SQS's 15 minutes; longer waits are re-set by the worker. */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { NotificationJob, NotificationQueue } from '../../core/ports.js';

const MAX_DELAY_SECONDS = 900;

export class SqsNotificationQueue implements NotificationQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(job: NotificationJob, delayMs: number): Promise<void> {
    const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job), DelaySeconds: delaySeconds }));
  }
}
