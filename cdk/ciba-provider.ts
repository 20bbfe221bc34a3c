/**
 * One OpenID Connect CIBA provider: its API, functions, table, signing key and registration secret.
 *
 * The construct is driven by the route table in lambdas/routes.ts: one Lambda function per entry of
 * `handlers` and one API Gateway method per entry of `routes`, with IAM permissions derived from each
 * handler's declared `access`. Adding an endpoint there adds it here; nothing in this file names an
 * endpoint.
 *
 * Functions with a `trigger` get no route: the notification dispatcher reads the table's stream (the
 * outbox of ping and push notifications) and the notification delivery function reads an SQS queue. Both
 * exist only when the provider offers ping or push (`deliveryModes`).
 *
 * The construct sets no physical names (table, function, role, key alias, secret name, queue), so
 * CloudFormation generates unique ones and the construct can be instantiated several times in one stack or
 * account: one issuer per realm or tenant.
 */
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { loadConfig, type AcrPolicy, type DeliveryMode } from '../lambdas/config.js';
import { handlers, routes } from '../lambdas/routes.js';
import type { Feature, HandlerName, HandlerSpec, Trigger } from '../lambdas/routes.js';
import { keyPrefix, tableSchema } from '../lambdas/adapters/dynamodb/table-schema.js';
import { lambdaBundling } from './bundling.js';
import { PushPlatforms, type PushPlatformsProps } from './push-platforms.js';
import { SigningKeys, type SigningMode } from './signing-keys.js';
import { tokenEnvironment, type CibaTokenProps } from './token-settings.js';
import { CibaWebAcl, throttlingStageOptions, type CibaThrottlingOptions, type CibaWebAclOptions } from './api-protection.js';
import { apiLoggingStageOptions, CibaMonitoring } from './monitoring.js';
import { acknowledge, NODE_RUNTIME_REASON } from './nag.js';

/** The repository root: handler entries in lambdas/routes.ts are relative to it. */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** DynamoDB actions of the request paths, by table access level (lambdas/routes.ts). */
// BatchGetItem: a backchannel request refused for a full pending set reads the listed requests at once
// (lambdas/adapters/dynamodb/user-request-limits.ts).
const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'];
const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'];

/** Variables a deployed function leaves empty and `sam local` may fill (README, "sam local"). */
export const SAM_LOCAL_OVERRIDES = { CIBA_DYNAMODB_ENDPOINT: '' } as const;

/**
 * Settings of the local runner that would weaken a deployed provider (plain-http client URLs, loopback
 * notification endpoints, an in-process queue that dies with the function). Synthesis fails if any
 * function of the provider has one, whoever set it.
 */
export const LOCAL_ONLY_VARIABLES = ['CIBA_ALLOW_HTTP_CLIENT_URLS', 'CIBA_ALLOW_LOOPBACK_NOTIFICATIONS', 'CIBA_DELIVERY_QUEUE'] as const;

/** Timeout of the functions behind API routes; API Gateway gives up after 29 s anyway. */
const ROUTE_FUNCTION_TIMEOUT = Duration.seconds(10);

/**
 * The stream consumer: a batch is at most `DISPATCH_BATCH_SIZE` records, each planning at most one job, i.e.
 * one SQS SendMessage: a few seconds at worst.
 */
const DISPATCH_BATCH_SIZE = 25;
const DISPATCHER_TIMEOUT = Duration.seconds(30);

/**
 * The delivery function takes jobs one after another, each one HTTP request bounded by
 * CIBA_DELIVERY_TIMEOUT_MS plus its table reads and writes, a KMS signature (push) and possibly a
 * SendMessage (retry). A small batch keeps one unresponsive client endpoint from delaying many others.
 */
const DELIVERY_BATCH_SIZE = 5;
/** Allowance per job for DynamoDB, KMS and SQS calls (with the SDK's own retries) besides the HTTP request. */
const DELIVERY_JOB_OVERHEAD_SECONDS = 3;
const DELIVERY_MIN_TIMEOUT_SECONDS = 30;
/** lambdas/config.ts's default CIBA_DELIVERY_TIMEOUT_MS. */
const DEFAULT_DELIVERY_TIMEOUT_MS = 5000;
/** Receives of one delivery job before SQS moves it to the dead-letter queue (the function failed outright). */
const DELIVERY_MAX_RECEIVE_COUNT = 5;

/** Delivery settings (lambdas/config.ts); unset ones keep the functions' defaults. */
export interface CibaDeliveryOptions {
  /**
   * Attempts per notification, the first one included, before it becomes a dead letter
   * (`CIBA_DELIVERY_MAX_ATTEMPTS`).
   *
   * @default - the functions' default, 8 (lambdas/config.ts)
   */
  readonly maxAttempts?: number;
  /**
   * Base of the exponential backoff between attempts, in milliseconds (`CIBA_DELIVERY_BASE_DELAY_MS`).
   *
   * @default - the functions' default, 1000 (lambdas/config.ts)
   */
  readonly baseDelayMs?: number;
  /**
   * Longest wait between attempts, in milliseconds (`CIBA_DELIVERY_MAX_DELAY_MS`).
   *
   * @default - the functions' default, 120000 (lambdas/config.ts)
   */
  readonly maxDelayMs?: number;
  /**
   * Timeout of one attempt, connecting and answering, in milliseconds (`CIBA_DELIVERY_TIMEOUT_MS`). The
   * delivery function's timeout grows with it.
   *
   * @default - the functions' default, 5000 (lambdas/config.ts)
   */
  readonly timeoutMs?: number;
}

export interface CibaProviderFeatures {
  /**
   * Deploy the authentication-device simulator page (`/simulator`).
   *
   * @default false
   */
  readonly simulator?: boolean;
  /**
   * Deploy the automated approval endpoint (`/test/ciba/approve`) used by the OpenID conformance
   * suite's `automated_ciba_approval_url`. Anyone who can reach it can approve requests: never turn it
   * on for a provider real users rely on.
   *
   * @default false
   */
  readonly automatedApproval?: boolean;
}

export interface CibaProviderProps extends CibaTokenProps {
  /**
   * The issuer identifier (OIDC Discovery §3): an https URL without query or fragment. Every endpoint
   * URL is this plus its path, so set it when the API is served behind a custom domain.
   *
   * @default - the API's own execute-api URL including the stage, e.g.
   * `https://abc123.execute-api.eu-west-1.amazonaws.com/prod`
   */
  readonly issuer?: string;
  /**
   * The API Gateway stage name; part of the default issuer.
   *
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Optional parts of the API.
   *
   * @default - all off
   */
  readonly features?: CibaProviderFeatures;
  /**
   * Where the token signing keys' private halves live (README, "Signing keys"): `envelope`, key pairs
   * kept encrypted under a KMS key and decrypted once per cold start (no KMS request per token); or
   * `kms`, asymmetric KMS keys (the private key never leaves KMS; a KMS request per token, within
   * KMS's per-account request quota). Changing it switches the keys at the next deployment.
   *
   * @default 'envelope'
   */
  readonly signing?: SigningMode;
  /**
   * How often the signing keys rotate. Each key is published one period before it signs and one
   * period after: at least 2 days.
   *
   * @default Duration.days(30)
   */
  readonly signingKeyRotation?: Duration;
  /**
   * The token delivery modes offered (CIBA Core §5, `CIBA_DELIVERY_MODES`): discovery lists exactly these
   * and registration refuses the others.
   *
   * Ping and push need the notification machinery: the table's stream, the dispatcher and delivery
   * functions, the delivery queue, its dead-letter queue and the stream-failures queue. It is deployed
   * only when `ping` or `push` is offered; a poll-only provider has none of it. Dropping ping and push
   * from a running provider also drops the notifications still pending for its ping and push requests.
   *
   * @default ['poll', 'ping', 'push']
   */
  readonly deliveryModes?: readonly DeliveryMode[];
  /**
   * How ping and push notifications are retried and timed out. Ignored by a poll-only provider's functions.
   *
   * @default - the functions' defaults (lambdas/config.ts)
   */
  readonly delivery?: CibaDeliveryOptions;
  /**
   * The CIBA profile of clients that register without naming one (`CIBA_DEFAULT_PROFILE`): `core`, or
   * `fapi` for FAPI-CIBA.
   *
   * @default - the functions' default, 'core' (lambdas/config.ts)
   */
  readonly defaultProfile?: 'core' | 'fapi';
  /**
   * acr values this deployment can satisfy, in order of preference (`CIBA_ACR_VALUES`).
   *
   * @default - the functions' default, ['ciba', 'push'] (lambdas/config.ts)
   */
  readonly acrValues?: readonly string[];

  /**
   * What each acr value means (`CIBA_ACR_POLICIES`): the channel and whether approvals must report user
   * verification. Exclusive with `acrValues`.
   * @default each of `acrValues` on the device channel, user verification optional
   */
  readonly acrPolicies?: Readonly<Record<string, AcrPolicy>>;

  /**
   * The acr applied when a client requests none (`CIBA_DEFAULT_ACR`).
   * @default none: such ID tokens carry no acr
   */
  readonly defaultAcr?: string;
  /**
   * The polling interval returned to clients, in seconds (CIBA Core §7.3, `CIBA_POLL_INTERVAL_SECONDS`).
   *
   * @default - the functions' default, 5 (lambdas/config.ts)
   */
  readonly pollIntervalSeconds?: number;
  /**
   * `expires_in` of an authentication request whose client sent no `requested_expiry`, in seconds
   * (`CIBA_DEFAULT_EXPIRY_SECONDS`).
   *
   * @default - the functions' default, 300 (lambdas/config.ts)
   */
  readonly defaultExpirySeconds?: number;
  /**
   * The largest `requested_expiry` accepted, in seconds (`CIBA_MAX_EXPIRY_SECONDS`).
   *
   * @default - the functions' default, 1800 (lambdas/config.ts)
   */
  readonly maxExpirySeconds?: number;
  /**
   * How long an expired authentication request is kept so a late poll still gets `expired_token`, in
   * seconds (`CIBA_EXPIRED_RETENTION_SECONDS`).
   *
   * @default - the functions' default, 86400 (lambdas/config.ts)
   */
  readonly expiredRetentionSeconds?: number;
  /**
   * Access token lifetime in seconds (`CIBA_ACCESS_TOKEN_SECONDS`).
   *
   * @deprecated use accessTokenLifetime
   * @default - the functions' default, 600 (lambdas/config.ts)
   */
  readonly accessTokenSeconds?: number;
  /**
   * ID token lifetime in seconds (`CIBA_ID_TOKEN_SECONDS`).
   *
   * @deprecated use idTokenLifetime
   * @default - the functions' default, 600 (lambdas/config.ts)
   */
  readonly idTokenSeconds?: number;
  /**
   * How long a warm function trusts a client record it has read, in seconds (`CIBA_CLIENT_CACHE_SECONDS`).
   *
   * @default - the functions' default, 60 (lambdas/config.ts)
   */
  readonly clientCacheSeconds?: number;
  /**
   * Backchannel requests one user may have pending at once, whichever clients send them
   * (`CIBA_USER_MAX_PENDING_REQUESTS`, 0 to 100; 0: no limit). More are refused with 403 access_denied.
   *
   * @default - the functions' default, 5 (lambdas/config.ts)
   */
  readonly userMaxPendingRequests?: number;
  /**
   * Backchannel requests accepted for one user per clock minute (`CIBA_USER_REQUESTS_PER_MINUTE`;
   * 0: no limit). More are refused with 403 access_denied and Retry-After.
   *
   * @default - the functions' default, 5 (lambdas/config.ts)
   */
  readonly userRequestsPerMinute?: number;
  /**
   * Memory of every function, in MiB. Lambda allocates CPU in proportion, so this is also the speed knob.
   *
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * How long the functions' logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the provider's state when it is removed from the stack or the stack is deleted:
   * the table (registered clients, enrolled devices), the signing key (deleting it makes every token it
   * signed unverifiable), the initial access token secret, the log groups and the notification queues
   * (jobs in flight and dead letters).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Phone push (the CIBA phone channel): the SNS platform applications for APNs and FCM, created from
   * credentials in Secrets Manager or given by ARN (cdk/push-platforms.ts). The functions that register
   * devices and push to them get `CIBA_PUSH=sns`, the applications' ARNs and the SNS permissions.
   *
   * @default - no phone push: devices enroll without push and poll the device API
   */
  readonly push?: PushPlatformsProps;

  /**
   * The operator's external authentication service (docs/external-service.md), for acr values whose
   * policy (`acrPolicies`) has channel `external`. HTTP Basic credentials come from a Secrets Manager
   * secret holding `{"username", "password"}`; with `auth: 'jwt'` the provider signs its calls instead.
   * @default no external service
   */
  readonly externalService?: {
    readonly url: string;
    readonly auth: 'basic' | 'jwt';
    /** Required with `auth: 'basic'`. */
    readonly credentialsSecret?: secretsmanager.ISecret;
    /** @default 3000 */
    readonly timeoutMs?: number;
    /** The name logs and metrics use. @default the URL's host */
    readonly name?: string;
  };

  /**
   * The service name of the functions' logs and metrics (POWERTOOLS_SERVICE_NAME): the `service`
   * dimension the alarms on custom metrics (namespace `CIBA`) select.
   *
   * @default - the stack name
   */
  readonly serviceName?: string;
  /**
   * CloudWatch alarms (5XX, function errors and throttles, table throttles and errors, dead letters,
   * stream failures, delivery failures) and a dashboard (cdk/monitoring.ts, docs/operations.md). Give
   * `alarmTopic` to be notified.
   *
   * @default true
   */
  readonly monitoring?: boolean | { readonly alarmTopic?: sns.ITopic; readonly deliveryFailuresThreshold?: number };
  /**
   * API Gateway throttling of the stage and of single methods (cdk/api-protection.ts).
   *
   * @default - 100 requests/s (burst 200) per method; POST /token 250 (500); POST /register 5 (10)
   */
  readonly throttling?: CibaThrottlingOptions;
  /**
   * An AWS WAFv2 web ACL in front of the stage: created (per-IP rate limit, AWS managed common rules) or
   * an existing one by ARN (cdk/api-protection.ts).
   *
   * @default - no web ACL
   */
  readonly webAcl?: CibaWebAclOptions;
  /**
   * API Gateway access logs (one JSON line per request, in a log group of the provider's) and execution
   * logs at level ERROR. API Gateway writes both through the account's CloudWatch role (one per account
   * and region, `apiGatewayCloudWatchRole`): deploying fails if the account has none.
   *
   * @default true
   */
  readonly apiLogging?: boolean;
  /**
   * Create the account's API Gateway CloudWatch role (AWS::ApiGateway::Account, a singleton per account
   * and region: set it in one stack only, and not where another tool manages it).
   *
   * @default false
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /**
   * The functions' log level (LOG_LEVEL, read by Powertools Logger): DEBUG, INFO, WARN or ERROR.
   *
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * X-Ray tracing is always Active: each invocation's Lambda segments (initialisation, invocation),
   * at no cost to the function. `true` also loads the Powertools Tracer (POWERTOOLS_TRACE_ENABLED),
   * whose subsegments time every AWS SDK and HTTP call, but whose aws-xray-sdk-core adds to every cold
   * start several times what the rest of the function costs to load (`npm run bench:init`).
   *
   * @default false
   */
  readonly detailedTracing?: boolean;
}

/** A deployed CIBA provider. */
export class CibaProvider extends Construct {
  /** The REST API serving every endpoint in lambdas/routes.ts. */
  public readonly api: apigateway.RestApi;
  /** The provider's single table (lambdas/adapters/dynamodb/table-schema.ts). */
  public readonly table: dynamodb.TableV2;
  /** The ES256 signing keys: their KMS resources, rotation and grants (cdk/signing-keys.ts). */
  public readonly signingKeys: SigningKeys;
  /** The initial access token that protects dynamic client registration (RFC 7591 §3). */
  public readonly initialAccessToken: secretsmanager.Secret;
  /**
   * Where notification delivery jobs wait (ping and push); undefined when the provider offers only poll.
   */
  public readonly deliveryQueue?: sqs.Queue;
  /**
   * Delivery jobs the delivery function failed on outright (the table or key unavailable) several times.
   * Undelivered notifications that failed at the client's end are dead letters in the table, not here.
   * Undefined when the provider offers only poll.
   */
  public readonly deliveryDeadLetterQueue?: sqs.Queue;
  /**
   * Where Lambda records stream batches the dispatcher could not process after its retries: shard and
   * sequence numbers of changes whose notifications were not planned. Replay them within the stream's 24 h
   * retention. Undefined when the provider offers only poll.
   */
  public readonly streamFailureQueue?: sqs.Queue;
  /**
   * One function per handler in lambdas/routes.ts; feature-gated handlers are absent when their feature is
   * off, the notification workers when the provider offers only poll.
   */
  public readonly functions: Readonly<Partial<Record<HandlerName, NodejsFunction>>>;
  /** The issuer identifier (may be a token that resolves at deploy time). */
  public readonly issuer: string;
  /** The SNS platform applications reaching the phones; undefined without `push`. */
  public readonly pushPlatforms?: PushPlatforms;

  /** The secret with the external authentication service's HTTP Basic credentials, when given. */
  public readonly externalServiceSecret?: secretsmanager.ISecret;
  /** The `service` of the functions' logs and metrics (POWERTOOLS_SERVICE_NAME; namespace `CIBA`). */
  public readonly serviceName: string;
  /** The stage's access log group; undefined with `apiLogging: false`. */
  public readonly accessLogGroup?: logs.LogGroup;
  /** The alarms and dashboard; undefined with `monitoring: false`. */
  public readonly monitoring?: CibaMonitoring;
  /** The WAF web ACL associated with the stage; undefined without `webAcl`. */
  public readonly webAcl?: CibaWebAcl;

  constructor(scope: Construct, id: string, props: CibaProviderProps = {}) {
    super(scope, id);

    const stageName = props.stageName ?? 'prod';
    this.serviceName = props.serviceName ?? Stack.of(this).stackName;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const features: Record<Feature, boolean> = {
      simulator: props.features?.simulator ?? false,
      automatedApproval: props.features?.automatedApproval ?? false,
    };
    const deliveryModes = props.deliveryModes ?? ['poll', 'ping', 'push'];
    // An empty CIBA_DELIVERY_MODES would mean the default (all three) to lambdas/config.ts.
    if (deliveryModes.length === 0) throw new Error('CibaProvider: deliveryModes must offer at least one mode');
    // The workers carry ping and push notifications to clients and new requests to users' phones.
    const notifies = deliveryModes.includes('ping') || deliveryModes.includes('push') || props.push !== undefined;
    const isDeployed = (spec: HandlerSpec): boolean =>
      (spec.feature === undefined || features[spec.feature]) && (spec.trigger === undefined || spec.trigger === 'signingKeySchedule' || notifies);

    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: tableSchema.partitionKey, type: dynamodb.AttributeType.STRING },
      // On-demand: traffic is bursty (polling clients) and a test issuer is idle most of the time.
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: tableSchema.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Stated rather than left to the default so a reviewer sees encryption at rest is decided.
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      // The outbox of ping and push notifications: the dispatcher compares the images before and after.
      ...(notifies ? { dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES } : {}),
      globalSecondaryIndexes: [
        {
          indexName: tableSchema.listIndex.name,
          partitionKey: { name: tableSchema.listIndex.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: tableSchema.listIndex.sortKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        },
      ],
      removalPolicy,
    });

    this.signingKeys = new SigningKeys(this, 'SigningKeys', {
      table: this.table,
      ...(props.signing ? { mode: props.signing } : {}),
      ...(props.signingKeyRotation ? { rotationPeriod: props.signingKeyRotation } : {}),
      removalPolicy,
    });

    this.initialAccessToken = new secretsmanager.Secret(this, 'InitialAccessToken', {
      description: 'CIBA provider initial access token for dynamic client registration (RFC 7591 §3)',
      // 64 letters and digits: about 380 bits, well above the 256 bits (43 base64url characters)
      // a bearer credential should carry; no punctuation so it can be pasted into a header or shell.
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });

    const apiLogging = props.apiLogging ?? true;
    if (apiLogging) {
      this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy,
      });
    }
    const deployedMethods = routes.filter((route) => isDeployed(handlers[route.handler])).map((route) => `${route.method} ${route.path}`);
    const throttling = throttlingStageOptions(props.throttling, deployedMethods);
    const logging = this.accessLogGroup ? apiLoggingStageOptions(this.accessLogGroup) : {};
    this.api = new apigateway.RestApi(this, 'Api', {
      // Unique per provider: API Gateway's metrics (alarms, dashboard) select the API by this name.
      restApiName: Names.uniqueResourceName(this, { maxLength: 255 }),
      description: 'OpenID Connect CIBA provider',
      // Clients are servers and authentication devices calling from anywhere; a regional endpoint
      // avoids the extra CloudFront hop of the (default) edge-optimized type.
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      deployOptions: {
        stageName,
        // X-Ray traces of each request through API Gateway (no sampling rule of ours: AWS's default).
        tracingEnabled: true,
        ...throttling,
        ...logging,
        // A method with throttling of its own gets a method setting of its own, which must log too.
        methodOptions: Object.fromEntries(
          Object.entries(throttling.methodOptions ?? {}).map(([key, options]) => [key, { ...options, ...(apiLogging ? { loggingLevel: logging.loggingLevel } : {}) }]),
        ),
      },
      // The CloudWatch role is an account-wide singleton (AWS::ApiGateway::Account): two providers in
      // one account would fight over it, so it is created only on request (`apiGatewayCloudWatchRole`).
      cloudWatchRole: props.apiGatewayCloudWatchRole ?? false,
    });
    // RestApi always adds an `Endpoint` CfnOutput; outputs are the stack's choice (it has ApiUrl), and a
    // stack holding several providers should not get one unnamed output per API.
    this.api.node.tryRemoveChild('Endpoint');

    // Built from the API's id rather than `api.url`: the URL references the deployment stage, which
    // depends on the methods, which depend on the functions whose environment holds the issuer, a cycle.
    const stack = Stack.of(this);
    this.issuer = props.issuer?.replace(/\/+$/, '') ??
      `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stageName}`;

    if (notifies) {
      const queueDefaults = {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
      };
      this.deliveryDeadLetterQueue = new sqs.Queue(this, 'DeliveryDeadLetterQueue', {
        ...queueDefaults,
        retentionPeriod: Duration.days(14),
      });
      this.deliveryQueue = new sqs.Queue(this, 'DeliveryQueue', {
        ...queueDefaults,
        // AWS's advice for a Lambda event source: at least six times the function timeout, so a job is
        // not offered again while a (retried) invocation still works on it.
        visibilityTimeout: Duration.seconds(6 * deliveryFunctionTimeout(props).toSeconds()),
        retentionPeriod: Duration.days(4),
        deadLetterQueue: { queue: this.deliveryDeadLetterQueue, maxReceiveCount: DELIVERY_MAX_RECEIVE_COUNT },
      });
      this.streamFailureQueue = new sqs.Queue(this, 'StreamFailureQueue', {
        ...queueDefaults,
        retentionPeriod: Duration.days(14),
      });
    }

    if (props.push !== undefined) this.pushPlatforms = new PushPlatforms(this, 'PushPlatforms', props.push);
    // Only the backchannel function talks to the service; the others must not need its settings, so
    // the construct, not each function's configuration, checks that an external acr has a service.
    if (Object.values(props.acrPolicies ?? {}).some((policy) => policy.channel === 'external') && !props.externalService) {
      throw new Error('CibaProvider: an acr policy with channel external needs externalService');
    }
    if (props.externalService?.auth === 'basic' && !props.externalService.credentialsSecret) {
      throw new Error('CibaProvider: externalService with auth basic needs credentialsSecret');
    }
    this.externalServiceSecret = props.externalService?.credentialsSecret;

    const tunables = tunableEnvironment(props, deliveryModes);
    // Fail at synth, not at the first cold start: run the functions' own configuration parser over the
    // values known now (tokens resolve only at deploy time, so they get placeholders).
    loadConfig({
      ...tunables,
      ...(props.externalService ? { ...externalServiceEnvironment(props.externalService), CIBA_EXTERNAL_SERVICE_SECRET: 'secret' } : {}),
      CIBA_ISSUER: Token.isUnresolved(this.issuer) ? 'https://issuer.invalid' : this.issuer,
      CIBA_TABLE_NAME: 'table',
      ...this.signingKeys.environment,
      ...(this.signingKeys.mode === 'envelope' ? { CIBA_SIGNING_WRAPPING_KEY_ID: 'key' } : {}),
    });

    const functions: Partial<Record<HandlerName, NodejsFunction>> = {};
    for (const [name, spec] of Object.entries(handlers) as [HandlerName, HandlerSpec][]) {
      if (!isDeployed(spec)) continue;
      const fn = this.createFunction(name, spec, {
        memorySize: props.memorySize ?? 256,
        timeout: functionTimeout(spec, props),
        detailedTracing: props.detailedTracing ?? false,
        logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy,
        environment: {
          // Stack traces point into the TypeScript sources (the bundle ships its source map).
          NODE_OPTIONS: '--enable-source-maps',
          // Powertools for AWS Lambda (lambdas/adapters/observability/): JSON logs, EMF metrics, X-Ray.
          POWERTOOLS_SERVICE_NAME: this.serviceName,
          POWERTOOLS_METRICS_NAMESPACE: 'CIBA',
          POWERTOOLS_TRACE_ENABLED: String(props.detailedTracing ?? false),
          LOG_LEVEL: props.logLevel ?? 'INFO',
          CIBA_ISSUER: this.issuer,
          CIBA_TABLE_NAME: this.table.tableName,
          ...this.signingKeys.environment,
          CIBA_SIMULATOR: String(features.simulator),
          CIBA_AUTOMATED_APPROVAL: String(features.automatedApproval),
          ...tunables,
          // Only the function allowed to read the secret is told where it is, and only the functions
          // allowed to send to the delivery queue where that is.
          ...(spec.access.initialAccessToken ? { CIBA_INITIAL_ACCESS_TOKEN_SECRET: this.initialAccessToken.secretArn } : {}),
          ...(spec.access.deliveryQueue && this.deliveryQueue ? { CIBA_DELIVERY_QUEUE_URL: this.deliveryQueue.queueUrl } : {}),
          // Only the functions that push know the platform applications (none without phone push).
          ...(spec.access.push && this.pushPlatforms ? this.pushPlatforms.environment : {}),
          ...(spec.access.externalServiceSecret && props.externalService ? externalServiceEnvironment(props.externalService) : {}),
          // Declared empty so that `sam local start-api --env-vars` may set them (SAM overrides only
          // variables the template declares): a DynamoDB Local endpoint, a local signing key, a plain token.
          ...SAM_LOCAL_OVERRIDES,
          ...(spec.access.initialAccessToken ? { CIBA_INITIAL_ACCESS_TOKEN: '' } : {}),
        },
      });
      this.grantAccess(fn, name, spec);
      if (spec.trigger !== undefined) this.addTrigger(fn, spec.trigger);
      functions[name] = fn;
    }
    this.functions = functions;

    this.node.addValidation({
      validate: () =>
        Object.entries(functions).flatMap(([name, fn]) => {
          const cfn = fn.node.defaultChild as lambda.CfnFunction;
          const environment = stack.resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
          return LOCAL_ONLY_VARIABLES.filter((variable) => environment?.variables?.[variable] !== undefined).map(
            (variable) => `${name} function: ${variable} is a local runner setting; a deployed provider must never set it`,
          );
        }),
    });

    for (const route of routes) {
      if (handlers[route.handler].trigger !== undefined) {
        throw new Error(`route ${route.method} ${route.path}: ${route.handler} is invoked by its trigger, not by API Gateway`);
      }
      const fn = functions[route.handler];
      if (fn === undefined) continue; // its feature is off
      // resourceForPath creates each path segment once, `{auth_req_id}` included, as API Gateway expects.
      // One proxy integration per method; CDK grants API Gateway invoke on that method's ARN only
      // (LambdaIntegration's scopePermissionToMethod, on by default).
      const method = this.api.root.resourceForPath(route.path).addMethod(route.method, new apigateway.LambdaIntegration(fn));
      acknowledgeOAuthAuthentication(method, handlers[route.handler].feature);
    }

    if (props.webAcl !== undefined) {
      this.webAcl = new CibaWebAcl(this, 'WebAcl', { stage: this.api.deploymentStage, options: props.webAcl });
    } else {
      acknowledge(this.api.deploymentStage, 'AwsSolutions-APIG3', 'WAF is opt-in (prop webAcl): it costs per web ACL, rule and request; stage and method throttling apply without it');
    }
    if (!apiLogging) {
      const reason = 'API Gateway logging turned off by the operator (apiLogging: false), e.g. in an account without the API Gateway CloudWatch role';
      acknowledge(this.api.deploymentStage, 'AwsSolutions-APIG1', reason);
      acknowledge(this.api.deploymentStage, 'AwsSolutions-APIG6', reason);
    }
    // Request validation would answer malformed requests with API Gateway's own error body; the OAuth and
    // CIBA endpoints must answer with the spec's error JSON (RFC 6749 §5.2, CIBA Core §13), so each
    // function validates its input itself.
    acknowledge(this.api.node.defaultChild!, 'AwsSolutions-APIG2', 'The functions validate requests to answer with the OAuth/CIBA error the spec names (RFC 6749 §5.2, CIBA Core §13); API Gateway validation would answer in its own format');
    acknowledge(this.initialAccessToken, 'AwsSolutions-SMG4', 'The initial access token is handed out of band to whoever registers clients; an automatic rotation would lock them out unannounced. Rotated by hand (docs/operations.md)');
    if (this.streamFailureQueue !== undefined) {
      acknowledge(this.streamFailureQueue, 'AwsSolutions-SQS3', "This queue is the dispatcher's on-failure destination, a dead-letter queue in all but name: a queue behind it would only move the same records again");
    }

    if (props.monitoring !== false) {
      const options = typeof props.monitoring === 'object' ? props.monitoring : {};
      this.monitoring = new CibaMonitoring(this, 'Monitoring', {
        serviceName: this.serviceName,
        api: this.api,
        functions: functions as Record<string, NodejsFunction>,
        table: this.table,
        ...(this.deliveryQueue ? { deliveryQueue: this.deliveryQueue } : {}),
        ...(this.deliveryDeadLetterQueue ? { deliveryDeadLetterQueue: this.deliveryDeadLetterQueue } : {}),
        ...(this.streamFailureQueue ? { streamFailureQueue: this.streamFailureQueue } : {}),
        ...(this.accessLogGroup ? { accessLogGroup: this.accessLogGroup } : {}),
        ...(options.alarmTopic ? { alarmTopic: options.alarmTopic } : {}),
        ...(options.deliveryFailuresThreshold !== undefined ? { deliveryFailuresThreshold: options.deliveryFailuresThreshold } : {}),
      });
    }
  }

  private createFunction(
    name: HandlerName,
    spec: HandlerSpec,
    options: {
      memorySize: number;
      timeout: Duration;
      logRetention: logs.RetentionDays;
      removalPolicy: RemovalPolicy;
      environment: Record<string, string>;
      detailedTracing: boolean;
    },
  ): NodejsFunction {
    const id = name.charAt(0).toUpperCase() + name.slice(1);

    // A log group of our own sets the retention without the deprecated `logRetention` custom resource.
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: options.logRetention,
      removalPolicy: options.removalPolicy,
    });

    // A role of our own instead of the default one: the default attaches AWSLambdaBasicExecutionRole,
    // whose log permissions apply to every log group (`Resource: *`). This one may write to its own only.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `CIBA provider ${name} function`,
    });
    logGroup.grantWrite(role);

    const fn = new NodejsFunction(this, `${id}Function`, {
      description: spec.description,
      entry: path.join(PROJECT_ROOT, spec.entry),
      handler: 'handler',
      // Pinned so the bundle does not depend on the directory `cdk` or the tests run from.
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: options.memorySize,
      timeout: options.timeout,
      role,
      logGroup,
      environment: options.environment,
      // X-Ray: the functions' segments, with the AWS SDK and HTTP calls the Powertools Tracer records.
      tracing: lambda.Tracing.ACTIVE,
      bundling: {
        ...lambdaBundling,
        // The Powertools Tracer (and aws-xray-sdk-core) only with detailedTracing: even never evaluated,
        // its code slows every cold start (npm run bench:init).
        externalModules: options.detailedTracing ? [] : [...lambdaBundling.externalModules],
      },
    });
    acknowledge(fn, 'AwsSolutions-L1', NODE_RUNTIME_REASON);
    // Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which name no resource.
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions (AWS X-Ray IAM reference); CDK adds them for Active tracing' +
        (name === 'signingKeyRotation' ? '. In kms signing mode also kms:CreateKey and kms:TagResource, which name no key yet: conditioned on this ring\'s tag, the key spec and the region (cdk/signing-keys.ts)' : ''),
    );
    return fn;
  }

  /** Grants exactly what the handler's `access` in lambdas/routes.ts declares, on this provider's resources only. */
  private grantAccess(fn: NodejsFunction, name: HandlerName, spec: HandlerSpec): void {
    const { access } = spec;
    // Named actions rather than grantReadData/grantReadWriteData, which include Scan: no request path
    // scans. Transactions need no action of their own; DynamoDB checks each Put/Update inside them.
    // On the table and its one index by name: Table.grant would add `index/*`.
    const tableArns = [this.table.tableArn, `${this.table.tableArn}/index/${tableSchema.listIndex.name}`];
    if (access.table === 'read') iam.Grant.addToPrincipal({ grantee: fn, actions: TABLE_READ_ACTIONS, resourceArns: tableArns });
    if (access.table === 'readWrite') iam.Grant.addToPrincipal({ grantee: fn, actions: [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS], resourceArns: tableArns });
    if (access.signingKey === 'sign') this.signingKeys.grantSign(fn);
    if (access.signingKey === 'publicKey') this.signingKeys.grantPublish(fn);
    if (access.signingKey === 'rotate') this.signingKeys.grantRotate(fn);
    if (access.initialAccessToken) this.initialAccessToken.grantRead(fn);
    if (access.deliveryQueue === 'send') {
      if (this.deliveryQueue === undefined) throw new Error(`${name} sends to the delivery queue, which a poll-only provider does not have`);
      this.deliveryQueue.grantSendMessages(fn);
    }
    // Without phone push a function that could push simply never does: nothing to grant.
    if (access.push && this.pushPlatforms) this.pushPlatforms.grantPush(fn);
    if (access.externalServiceSecret) this.externalServiceSecret?.grantRead(fn);
  }

  /** Connects a worker to what invokes it; the event source grants the reading (stream or queue). */
  private addTrigger(fn: NodejsFunction, trigger: Trigger): void {
    switch (trigger) {
      case 'tableStream':
        fn.addEventSource(
          new DynamoEventSource(this.table, {
            // A new stack's stream holds nothing older, and TRIM_HORIZON would make a re-created mapping
            // send up to a day of notifications again.
            startingPosition: lambda.StartingPosition.LATEST,
            batchSize: DISPATCH_BATCH_SIZE,
            // The dispatcher throws on any failure, so the whole batch is retried: halving it isolates a
            // poison record, and what still fails after the retries or a day is recorded, not dropped silently.
            bisectBatchOnError: true,
            retryAttempts: 10,
            maxRecordAge: Duration.days(1),
            onFailure: new SqsDlq(this.streamFailureQueue!),
            // Only authentication requests that notify someone: those of ping and push clients, and new
            // ones with devices to push to (any mode). Every other write (clients, devices, polls of
            // poll-mode requests) costs no invocation. Deletions have no new image and notify nobody
            // (lambdas/core/notification/plan-notifications.ts). The two patterns are alternatives.
            filters: [
              lambda.FilterCriteria.filter({
                dynamodb: {
                  NewImage: {
                    [tableSchema.partitionKey]: { S: lambda.FilterRule.beginsWith(keyPrefix.authRequest) },
                    deliveryMode: { S: lambda.FilterRule.or('ping', 'push') },
                  },
                },
              }),
              lambda.FilterCriteria.filter({
                eventName: lambda.FilterRule.isEqual('INSERT'),
                dynamodb: {
                  NewImage: {
                    [tableSchema.partitionKey]: { S: lambda.FilterRule.beginsWith(keyPrefix.authRequest) },
                    pushTargets: lambda.FilterRule.exists(),
                  },
                },
              }),
            ],
          }),
        );
        return;
      case 'signingKeySchedule':
        this.signingKeys.attachRotation(fn);
        return;
      case 'deliveryQueue':
        fn.addEventSource(
          new SqsEventSource(this.deliveryQueue!, {
            batchSize: DELIVERY_BATCH_SIZE,
            // The function reports the jobs that failed; the others are deleted, not delivered again.
            reportBatchItemFailures: true,
          }),
        );
        return;
    }
  }
}

/** Timeout of the delivery function: its batch of jobs, taken one after another. */
function deliveryFunctionTimeout(props: CibaProviderProps): Duration {
  const attemptSeconds = Math.ceil((props.delivery?.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS) / 1000);
  return Duration.seconds(Math.max(DELIVERY_MIN_TIMEOUT_SECONDS, DELIVERY_BATCH_SIZE * (attemptSeconds + DELIVERY_JOB_OVERHEAD_SECONDS)));
}

function functionTimeout(spec: HandlerSpec, props: CibaProviderProps): Duration {
  switch (spec.trigger) {
    case undefined:
      return ROUTE_FUNCTION_TIMEOUT;
    case 'tableStream':
      return DISPATCHER_TIMEOUT;
    case 'deliveryQueue':
      return deliveryFunctionTimeout(props);
    case 'signingKeySchedule':
      // Up to four KMS calls (two keys to make in kms mode) and two table requests, with retries.
      return Duration.minutes(1);
  }
}

/** The optional CIBA_* variables, set only when the prop is given so lambdas/config.ts keeps the defaults. */
function tunableEnvironment(props: CibaProviderProps, deliveryModes: readonly DeliveryMode[]): Record<string, string> {
  const numbers: Record<string, number | undefined> = {
    CIBA_POLL_INTERVAL_SECONDS: props.pollIntervalSeconds,
    CIBA_DEFAULT_EXPIRY_SECONDS: props.defaultExpirySeconds,
    CIBA_MAX_EXPIRY_SECONDS: props.maxExpirySeconds,
    CIBA_EXPIRED_RETENTION_SECONDS: props.expiredRetentionSeconds,
    CIBA_ACCESS_TOKEN_SECONDS: props.accessTokenSeconds,
    CIBA_ID_TOKEN_SECONDS: props.idTokenSeconds,
    CIBA_CLIENT_CACHE_SECONDS: props.clientCacheSeconds,
    CIBA_USER_MAX_PENDING_REQUESTS: props.userMaxPendingRequests,
    CIBA_USER_REQUESTS_PER_MINUTE: props.userRequestsPerMinute,
    CIBA_DELIVERY_MAX_ATTEMPTS: props.delivery?.maxAttempts,
    CIBA_DELIVERY_BASE_DELAY_MS: props.delivery?.baseDelayMs,
    CIBA_DELIVERY_MAX_DELAY_MS: props.delivery?.maxDelayMs,
    CIBA_DELIVERY_TIMEOUT_MS: props.delivery?.timeoutMs,
  };
  // Always stated: what discovery advertises should be read in the template, not inferred from a default.
  const environment: Record<string, string> = { CIBA_DELIVERY_MODES: deliveryModes.join(' '), ...tokenEnvironment(props) };
  for (const [variable, value] of Object.entries(numbers)) {
    if (value !== undefined) environment[variable] = String(value);
  }
  if (props.acrValues !== undefined) environment.CIBA_ACR_VALUES = props.acrValues.join(' ');
  if (props.acrPolicies !== undefined) environment.CIBA_ACR_POLICIES = JSON.stringify(props.acrPolicies);
  if (props.defaultAcr !== undefined) environment.CIBA_DEFAULT_ACR = props.defaultAcr;
  if (props.defaultProfile !== undefined) environment.CIBA_DEFAULT_PROFILE = props.defaultProfile;
  return environment;
}

/** The CIBA_EXTERNAL_SERVICE_* variables of the functions that call the external service. */
function externalServiceEnvironment(service: NonNullable<CibaProviderProps['externalService']>): Record<string, string> {
  return {
    CIBA_EXTERNAL_SERVICE_URL: service.url,
    CIBA_EXTERNAL_SERVICE_AUTH: service.auth,
    ...(service.auth === 'basic' && service.credentialsSecret ? { CIBA_EXTERNAL_SERVICE_SECRET: service.credentialsSecret.secretArn } : {}),
    ...(service.timeoutMs !== undefined ? { CIBA_EXTERNAL_SERVICE_TIMEOUT_MS: String(service.timeoutMs) } : {}),
    ...(service.name !== undefined ? { CIBA_EXTERNAL_SERVICE_NAME: service.name } : {}),
  };
}

/**
 * The OAuth and CIBA endpoints authenticate their callers themselves, as the specifications define: clients
 * with their credentials at the token, backchannel, introspection and revocation endpoints (RFC 6749 §2.3,
 * CIBA Core §7.1), access tokens at userinfo (RFC 6750), the initial access token at registration
 * (RFC 7591 §3), device-signed requests on the device API; discovery and JWKS are public by definition.
 * An API Gateway authorizer (IAM, Cognito) would demand credentials no standard client has.
 */
function acknowledgeOAuthAuthentication(method: apigateway.Method, feature: Feature | undefined): void {
  // The test features are open on purpose and off unless switched on (CibaProviderFeatures).
  const reason = feature === undefined
    ? 'OAuth/CIBA endpoints authenticate callers themselves per RFC 6749 §2.3, CIBA Core §7.1, RFC 6750, RFC 7591 §3; discovery and JWKS are public'
    : `Test feature ${feature}: open by design for unattended test runs, off unless switched on, never for a provider real users rely on`;
  acknowledge(method, 'AwsSolutions-APIG4', reason);
  acknowledge(method, 'AwsSolutions-COG4', reason);
}
