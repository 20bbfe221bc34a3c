/**
 * The Powertools for AWS Lambda instances of this process, made once, when a handler module loads
 * (Powertools' own advice: instances outside the handler, reused by every invocation).
 *
 * - Logger: JSON lines with level, message, timestamp, service and the Lambda context; every value
 *   goes through `redactSecrets` (redact.ts), and the correlation id of the current invocation is
 *   added to each line (correlation.ts).
 * - Metrics: CloudWatch Embedded Metric Format on stdout, namespace `CIBA` unless configured.
 * - Tracer: loaded only where tracing is on (ObservabilityConfig.tracing). It imports aws-xray-sdk-core,
 *   which costs every cold start; where tracing is off the module is never evaluated.
 */
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { observabilityConfig } from '../../config.js';
import { currentCorrelationId } from './correlation.js';
import { redactSecrets } from './redact.js';

/**
 * Powertools' standard keys, plus the invocation's correlation id. Read per line rather than appended
 * to the logger, because concurrent invocations (the local runner, a delivery batch) differ.
 */
class CorrelatedLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        correlationId: currentCorrelationId(),
        cold_start: context?.coldStart,
        function_name: context?.functionName,
        function_request_id: context?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
        sampling_rate: attributes.sampleRateValue,
      },
    }).addAttributes(additionalLogAttributes);
  }
}

const settings = observabilityConfig();

export const logger = new Logger({
  serviceName: settings.serviceName,
  logFormatter: new CorrelatedLogFormatter(),
  jsonReplacerFn: redactSecrets,
});

export const metrics = new Metrics({
  namespace: settings.metricsNamespace,
  serviceName: settings.serviceName,
  // Its warnings (a dimension or metric CloudWatch would refuse) in the same JSON lines as the rest.
  logger,
});

/**
 * The tracer, or undefined where tracing is off. The import starts when this module loads, so that
 * it overlaps the rest of the cold start; the tracing middleware waits for it. Where the construct
 * leaves the tracer out of the bundle (no `detailedTracing`), the import fails: that is logged once,
 * and the functions answer as before, untraced.
 */
export const tracer: Promise<Tracer | undefined> | undefined = settings.tracing
  ? import('@aws-lambda-powertools/tracer').then(
      ({ Tracer }) => new Tracer({ serviceName: settings.serviceName }),
      (error: unknown) => {
        logger.warn('POWERTOOLS_TRACE_ENABLED is true but the tracer is not in this bundle: tracing stays off', { error });
        return undefined;
      },
    )
  : undefined;
