/**
 * The metrics the provider emits, in namespace `CIBA` (POWERTOOLS_METRICS_NAMESPACE), each with the
 * dimension `service` (POWERTOOLS_SERVICE_NAME) and the others listed. Alarms and dashboards
 * (cdk/monitoring.ts) are written against these names: change one only together with them.
 *
 * Every dimension value comes from a bounded set (a route, an OAuth error code, an enum): never a
 * client id, a user or a URL, so the number of metric series stays fixed.
 */
export const METRIC = {
  /** Count, per `endpoint` (the route, e.g. `/token`) and `outcome` (`ok` or the OAuth error code). */
  requests: 'Requests',
  /** Count of 5xx answers (server_error, temporarily_unavailable), per `endpoint`. */
  serverErrors: 'ServerErrors',
  /** Milliseconds from the function's first middleware to its answer, per `endpoint`. */
  latency: 'Latency',
  /** Count, per `decision` (`approved`, `denied`) and `channel` (`device`, `external`, `automated`). */
  decisions: 'Decisions',
  /** Count of ping and push delivery attempts, per `mode` (`ping`, `push`) and `outcome` (`delivered`, `retry`, `dead_letter`). */
  deliveries: 'Deliveries',
  /**
   * Count of notifications given up on (dead letters), with `service` as the only dimension: the alarm
   * contract with cdk/monitoring.ts (namespace `CIBA`, metric `DeliveryFailures`, dimension `service`).
   * The delivery function emits it on every invocation, 0 included, so the alarm always has data.
   */
  deliveryFailures: 'DeliveryFailures',
} as const;
