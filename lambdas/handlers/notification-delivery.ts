/**
 * The delivery queue's consumer. Each message is one notification job; a job that throws (the table or
 * the signing key unavailable) is reported as failed, so the queue offers it again and, in the end,
 * moves it to its own dead-letter queue. Deliveries that fail at the client end are handled inside.
 * Each job's log lines carry its request's correlation id; its outcome goes to the Deliveries metric.
 */
import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { notificationQueue } from '../adapters/notification-queue.js';
import { notificationSender } from '../adapters/notification-sender.js';
import { withCorrelation } from '../adapters/observability/correlation.js';
import { METRIC } from '../adapters/observability/metric-names.js';
import { observeInvocation } from '../adapters/observability/middleware.js';
import { logger, metrics } from '../adapters/observability/powertools.js';
import { powertoolsTelemetry } from '../adapters/observability/telemetry.js';
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

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(observeInvocation())
  .handler(async function deliverNotifications(event) {
    // A data point on every invocation, 0 included: the DeliveryFailures alarm then always has data.
    metrics.addMetric(METRIC.deliveryFailures, MetricUnit.Count, 0);
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
      telemetry: powertoolsTelemetry,
    };
    // Jobs of a batch are independent: delivered side by side, so one slow endpoint does not hold up the rest.
    const results = await Promise.all(
      event.Records.map(async (record) => {
        const job = readJob(record.body);
        if (!job) {
          logger.error('malformed delivery job dropped', { messageId: record.messageId });
          return undefined;
        }
        return withCorrelation(job.authReqId, async () => {
          try {
            await deliverNotification(job, deps);
            return undefined;
          } catch (error) {
            logger.error('delivery job failed; the queue will offer it again', { messageId: record.messageId, kind: job.kind, attempt: job.attempt, error });
            return { itemIdentifier: record.messageId };
          }
        });
      }),
    );
    const batchItemFailures = results.filter((failure) => failure !== undefined);
    return { batchItemFailures };
  });
