/**
 * CloudWatch alarms and a dashboard for one CIBA provider.
 *
 * Every alarm names its runbook section in docs/operations.md ("Alarms"); the alarm's description
 * carries the anchor so the notification an operator receives says where to look.
 *
 * Thresholds follow the provider's promises rather than traffic: a 5XX or a function error is a defect
 * (every bad input is a 4xx, never a 500), a throttle means capacity is missing, a message in a
 * dead-letter or stream-failure queue is a notification nobody will deliver without an operator. Those
 * alarm on the first occurrence. Failed delivery attempts are different: a client's notification
 * endpoint being down is the client's problem and the provider retries, so only a burst alarms.
 *
 * Alarms treat missing data as not breaching: an idle test issuer publishes no Lambda or API metrics.
 */
import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The namespace and metric the functions publish with Powertools Metrics (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'CIBA';
export const DELIVERY_FAILURES_METRIC = 'DeliveryFailures';

/** Where each alarm's runbook is (docs/operations.md). */
const RUNBOOK = 'docs/operations.md#';

/** The DynamoDB operations the functions use (lambdas/adapters/dynamodb); alarms sum their throttles and errors. */
const TABLE_OPERATIONS = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.QUERY,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
  dynamodb.Operation.TRANSACT_WRITE_ITEMS,
];

const PERIOD = Duration.minutes(5);

export interface CibaMonitoringProps {
  /** The name of the service: the `service` dimension of the functions' metrics (POWERTOOLS_SERVICE_NAME). */
  readonly serviceName: string;
  readonly api: apigateway.RestApi;
  /** The provider's functions by handler name (lambdas/routes.ts). */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly table: dynamodb.ITableV2;
  readonly deliveryQueue?: sqs.IQueue;
  readonly deliveryDeadLetterQueue?: sqs.IQueue;
  readonly streamFailureQueue?: sqs.IQueue;
  /**
   * The stage's access log group: the dashboard's per-route table is a Logs Insights query over it.
   *
   * @default - no per-route table
   */
  readonly accessLogGroup?: logs.ILogGroup;
  /**
   * Where alarms send their ALARM and OK notifications.
   *
   * @default - no notifications; the alarms show in the console and on the dashboard
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Failed delivery attempts (metric `DeliveryFailures`) within 5 minutes that raise the alarm.
   *
   * @default 10
   */
  readonly deliveryFailuresThreshold?: number;
}

/** The provider's alarms and dashboard. */
export class CibaMonitoring extends Construct {
  /** 5XX answers of the API: a defect, every bad input must be a 4xx. */
  public readonly apiServerErrors: cloudwatch.Alarm;
  /** Errors (uncaught exceptions, timeouts) of each function, by handler name. */
  public readonly functionErrors: Readonly<Record<string, cloudwatch.Alarm>>;
  /** Throttled invocations of each function, by handler name. */
  public readonly functionThrottles: Readonly<Record<string, cloudwatch.Alarm>>;
  /** Throttled requests to the table. */
  public readonly tableThrottles: cloudwatch.Alarm;
  /** DynamoDB's own failures (HTTP 500) on the table. */
  public readonly tableSystemErrors: cloudwatch.Alarm;
  /** Messages in the delivery dead-letter queue; undefined for a poll-only provider. */
  public readonly deadLetters?: cloudwatch.Alarm;
  /** Messages in the stream-failures queue; undefined for a poll-only provider. */
  public readonly streamFailures?: cloudwatch.Alarm;
  /** A burst of failed ping or push delivery attempts; undefined for a poll-only provider. */
  public readonly deliveryFailures?: cloudwatch.Alarm;
  /** Every alarm above. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: CibaMonitoringProps) {
    super(scope, id);
    const alarms: cloudwatch.Alarm[] = [];
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, options: { threshold?: number; description: string; runbook: string }): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: options.threshold ?? 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${props.serviceName}: ${options.description} Runbook: ${RUNBOOK}${options.runbook}`,
      });
      if (props.alarmTopic !== undefined) {
        created.addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));
        created.addOkAction(new cloudwatchActions.SnsAction(props.alarmTopic));
      }
      alarms.push(created);
      return created;
    };

    this.apiServerErrors = alarm('ApiServerErrors', props.api.metricServerError({ period: PERIOD, statistic: 'Sum' }), {
      description: 'the API answered 5XX.',
      runbook: 'api-5xx',
    });

    const functionErrors: Record<string, cloudwatch.Alarm> = {};
    const functionThrottles: Record<string, cloudwatch.Alarm> = {};
    for (const [name, fn] of Object.entries(props.functions)) {
      const id = name.charAt(0).toUpperCase() + name.slice(1);
      functionErrors[name] = alarm(`${id}Errors`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), {
        description: `the ${name} function failed (uncaught error or timeout).`,
        runbook: 'function-errors',
      });
      functionThrottles[name] = alarm(`${id}Throttles`, fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }), {
        description: `Lambda throttled the ${name} function.`,
        runbook: 'function-throttles',
      });
    }
    this.functionErrors = functionErrors;
    this.functionThrottles = functionThrottles;

    this.tableThrottles = alarm('TableThrottles', props.table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, period: PERIOD }), {
      description: 'DynamoDB throttled requests to the table.',
      runbook: 'table-throttles',
    });
    this.tableSystemErrors = alarm('TableSystemErrors', props.table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS, period: PERIOD }), {
      description: 'DynamoDB failed requests to the table (system errors).',
      runbook: 'table-system-errors',
    });

    const deliveryFailuresMetric = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: DELIVERY_FAILURES_METRIC,
      dimensionsMap: { service: props.serviceName },
      statistic: 'Sum',
      period: PERIOD,
    });
    if (props.deliveryDeadLetterQueue !== undefined) {
      this.deadLetters = alarm('DeadLetters', props.deliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }), {
        description: 'delivery jobs are in the dead-letter queue.',
        runbook: 'dead-letters',
      });
    }
    if (props.streamFailureQueue !== undefined) {
      this.streamFailures = alarm('StreamFailures', props.streamFailureQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }), {
        description: 'table stream batches are in the stream-failures queue.',
        runbook: 'stream-failures',
      });
    }
    if (props.deliveryQueue !== undefined) {
      this.deliveryFailures = alarm('DeliveryFailures', deliveryFailuresMetric, {
        threshold: props.deliveryFailuresThreshold ?? 10,
        description: 'ping or push delivery attempts failed.',
        runbook: 'delivery-failures',
      });
    }
    this.alarms = alarms;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: dashboardRows(props, deliveryFailuresMetric, alarms),
    });
  }
}

function dashboardRows(props: CibaMonitoringProps, deliveryFailures: cloudwatch.IMetric, alarms: readonly cloudwatch.Alarm[]): cloudwatch.IWidget[][] {
  const { api, table } = props;
  const functions = Object.entries(props.functions);
  const perFunction = (metric: (fn: lambda.IFunction) => cloudwatch.IMetric): cloudwatch.IMetric[] => functions.map(([, fn]) => metric(fn));
  const graph = (title: string, left: cloudwatch.IMetric[], width = 8): cloudwatch.GraphWidget => new cloudwatch.GraphWidget({ title, left, width, height: 6 });

  const rows: cloudwatch.IWidget[][] = [
    [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: 24, height: 4 })],
    [
      graph('API requests', [api.metricCount({ period: Duration.minutes(1), statistic: 'Sum' })], 6),
      graph('API latency (p50, p99)', [api.metricLatency({ statistic: 'p50' }), api.metricLatency({ statistic: 'p99' }), api.metricIntegrationLatency({ statistic: 'p99' })], 6),
      graph('API 4XX', [api.metricClientError({ period: Duration.minutes(1), statistic: 'Sum' })], 6),
      graph('API 5XX', [api.metricServerError({ period: Duration.minutes(1), statistic: 'Sum' })], 6),
    ],
  ];
  if (props.accessLogGroup !== undefined) {
    // Per route from the access log rather than API Gateway's detailed metrics, which cost a custom
    // metric per method and statistic. The fields are those of the stage's access log format.
    rows.push([
      new cloudwatch.LogQueryWidget({
        title: 'Requests per route (access log)',
        logGroupNames: [props.accessLogGroup.logGroupName],
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        queryLines: [
          'fields httpMethod, resourcePath, status, responseLatency',
          'stats count(*) as requests, avg(responseLatency) as avgMs, pct(responseLatency, 99) as p99Ms, sum(status >= 400 and status < 500) as status4xx, sum(status >= 500) as status5xx by httpMethod, resourcePath',
          'sort requests desc',
        ],
        width: 24,
        height: 8,
      }),
    ]);
  }
  rows.push([
    graph('Lambda duration p99', perFunction((fn) => fn.metricDuration({ statistic: 'p99' }))),
    graph('Lambda errors', perFunction((fn) => fn.metricErrors({ statistic: 'Sum' }))),
    graph('Lambda throttles', perFunction((fn) => fn.metricThrottles({ statistic: 'Sum' }))),
  ]);
  rows.push([
    graph('DynamoDB consumed capacity', [table.metricConsumedReadCapacityUnits({ statistic: 'Sum' }), table.metricConsumedWriteCapacityUnits({ statistic: 'Sum' })]),
    graph('DynamoDB throttled requests', [table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS })]),
    graph('DynamoDB system errors', [table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS })]),
  ]);
  const queues = [props.deliveryQueue, props.deliveryDeadLetterQueue, props.streamFailureQueue].filter((queue) => queue !== undefined);
  if (queues.length > 0) {
    rows.push([
      graph('Queue depth (delivery, dead letters, stream failures)', queues.map((queue) => queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }))),
      graph('Oldest delivery job (s)', props.deliveryQueue ? [props.deliveryQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' })] : []),
      graph('Deliveries: jobs done, failed attempts', [
        ...(props.deliveryQueue ? [props.deliveryQueue.metricNumberOfMessagesDeleted({ statistic: 'Sum', label: 'jobs done' })] : []),
        deliveryFailures,
      ]),
    ]);
  }
  return rows;
}

/**
 * The stage's logging: one JSON access log line per request in `logGroup`, in the fields the dashboard's
 * per-route query and the runbook queries (docs/operations.md) read, and execution logs at ERROR.
 *
 * The route is logged as its resource template (`/device/auth-requests/{auth_req_id}`), not the
 * requested path, so no auth_req_id lands in the log; no header or body is logged.
 */
export function apiLoggingStageOptions(logGroup: logs.ILogGroup): apigateway.StageOptions {
  return {
    accessLogDestination: new apigateway.LogGroupLogDestination(logGroup),
    accessLogFormat: apigateway.AccessLogFormat.custom(accessLogFormat()),
    loggingLevel: apigateway.MethodLoggingLevel.ERROR,
  };
}

/**
 * `{"requestId":"$context.requestId",...}`: the numbers API Gateway always sets are unquoted so Logs
 * Insights compares and sums them.
 */
function accessLogFormat(): string {
  const field = apigateway.AccessLogField;
  const text: Record<string, string> = {
    requestId: field.contextRequestId(),
    ip: field.contextIdentitySourceIp(),
    userAgent: field.contextIdentityUserAgent(),
    httpMethod: field.contextHttpMethod(),
    resourcePath: field.contextResourcePath(),
    errorMessage: field.contextErrorMessage(),
    wafStatus: field.contextWafResponseCode(),
    xrayTraceId: field.contextXrayTraceId(),
    // '-' when no integration ran (throttled, refused by WAF), so quoted.
    integrationLatency: field.contextIntegrationLatency(),
  };
  const numbers: Record<string, string> = {
    requestTime: field.contextRequestTimeEpoch(),
    status: field.contextStatus(),
    responseLatency: field.contextResponseLatency(),
    responseLength: field.contextResponseLength(),
  };
  const members = [
    ...Object.entries(text).map(([name, value]) => `"${name}":"${value}"`),
    ...Object.entries(numbers).map(([name, value]) => `"${name}":${value}`),
  ];
  return `{${members.join(',')}}`;
}
