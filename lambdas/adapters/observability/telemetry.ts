/**
 * The core's Telemetry port (core/ports.ts): a log line (with the request's correlation id) and a
 * CloudWatch metric through Powertools. Each metric is a single metric (one EMF line of its own)
 * because its dimensions differ from the invocation's.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Telemetry } from '../../core/ports.js';
import { METRIC } from './metric-names.js';
import { logger, metrics } from './powertools.js';

export const powertoolsTelemetry: Telemetry = {
  decisionRecorded(decision, channel) {
    logger.info('decision recorded', { decision, channel });
    metrics.singleMetric().addDimensions({ decision, channel }).addMetric(METRIC.decisions, MetricUnit.Count, 1);
  },
  notificationSettled(mode, outcome) {
    logger[outcome === 'delivered' ? 'info' : 'warn']('notification attempt settled', { mode, outcome });
    metrics.singleMetric().addDimensions({ mode, outcome }).addMetric(METRIC.deliveries, MetricUnit.Count, 1);
    // On the invocation's metrics, whose only dimension in the delivery function is `service`.
    if (outcome === 'dead_letter') metrics.addMetric(METRIC.deliveryFailures, MetricUnit.Count, 1);
  },
};
