/**
 * One OpenID Connect CIBA provider: its API, functions, table, signing key and registration secret.
 *
 * The construct is driven by the route table in lambdas/routes.ts: one Lambda function per entry of
 * `handlers` and one API Gateway method per entry of `routes`, with IAM permissions derived from each
 * handler's declared `access`. Adding an endpoint there adds it here; nothing in this file names an
 * endpoint.
 *
 * The construct sets no physical names (table, function, role, key alias, secret name), so CloudFormation
 * generates unique ones and the construct can be instantiated several times in one stack or account:
 * one issuer per realm or tenant.
 */
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { loadConfig, type AcrPolicy } from '../lambdas/config.js';
import { handlers, routes } from '../lambdas/routes.js';
import type { Feature, HandlerName, HandlerSpec } from '../lambdas/routes.js';
import { tableSchema } from '../lambdas/adapters/dynamodb/table-schema.js';

/** The repository root: handler entries in lambdas/routes.ts are relative to it. */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Optional parts of the API. Both are for test deployments; a production issuer leaves them off. */

/** DynamoDB actions of the request paths, by table access level (lambdas/routes.ts). */
const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'];
const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'];

/** Variables a deployed function leaves empty and `sam local` may fill (README, "sam local"). */
export const SAM_LOCAL_OVERRIDES = { CIBA_DYNAMODB_ENDPOINT: '', CIBA_LOCAL_KEY_FILE: '' } as const;

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

export interface CibaProviderProps {
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
   * @default - the functions' default, 600 (lambdas/config.ts)
   */
  readonly accessTokenSeconds?: number;
  /**
   * ID token lifetime in seconds (`CIBA_ID_TOKEN_SECONDS`).
   *
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
   * signed unverifiable), the initial access token secret and the log groups.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** A deployed CIBA provider. */
export class CibaProvider extends Construct {
  /** The REST API serving every endpoint in lambdas/routes.ts. */
  public readonly api: apigateway.RestApi;
  /** The provider's single table (lambdas/adapters/dynamodb/table-schema.ts). */
  public readonly table: dynamodb.TableV2;
  /** The ES256 signing key; the private key never leaves KMS. */
  public readonly signingKey: kms.Key;
  /** The initial access token that protects dynamic client registration (RFC 7591 §3). */
  public readonly initialAccessToken: secretsmanager.Secret;
  /** One function per handler in lambdas/routes.ts; feature-gated handlers are absent when their feature is off. */
  public readonly functions: Readonly<Partial<Record<HandlerName, NodejsFunction>>>;
  /** The issuer identifier (may be a token that resolves at deploy time). */
  public readonly issuer: string;

  constructor(scope: Construct, id: string, props: CibaProviderProps = {}) {
    super(scope, id);

    const stageName = props.stageName ?? 'prod';
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const features: Record<Feature, boolean> = {
      simulator: props.features?.simulator ?? false,
      automatedApproval: props.features?.automatedApproval ?? false,
    };
    const isDeployed = (spec: HandlerSpec): boolean => spec.feature === undefined || features[spec.feature];

    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: tableSchema.partitionKey, type: dynamodb.AttributeType.STRING },
      // On-demand: traffic is bursty (polling clients) and a test issuer is idle most of the time.
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: tableSchema.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Stated rather than left to the default so a reviewer sees encryption at rest is decided.
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      globalSecondaryIndexes: [
        {
          indexName: tableSchema.pendingByUserIndex.name,
          partitionKey: { name: tableSchema.pendingByUserIndex.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: tableSchema.pendingByUserIndex.sortKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        },
      ],
      removalPolicy,
    });

    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'CIBA provider token signing key (ES256)',
      // ES256 = ECDSA with P-256 and SHA-256 (RFC 7518 §3.4). Asymmetric keys cannot be rotated
      // automatically; rotation means a new key published in the JWKS next to the old one.
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy,
    });

    this.initialAccessToken = new secretsmanager.Secret(this, 'InitialAccessToken', {
      description: 'CIBA provider initial access token for dynamic client registration (RFC 7591 §3)',
      // 64 letters and digits: about 380 bits, well above the 256 bits (43 base64url characters)
      // a bearer credential should carry; no punctuation so it can be pasted into a header or shell.
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });

    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'OpenID Connect CIBA provider',
      // Clients are servers and authentication devices calling from anywhere; a regional endpoint
      // avoids the extra CloudFront hop of the (default) edge-optimized type.
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      deployOptions: { stageName },
      // The CloudWatch role is an account-wide singleton (AWS::ApiGateway::Account): two providers in
      // one account would fight over it, and without execution logging nothing needs it.
      cloudWatchRole: false,
    });
    // RestApi always adds an `Endpoint` CfnOutput; outputs are the stack's choice (it has ApiUrl), and a
    // stack holding several providers should not get one unnamed output per API.
    this.api.node.tryRemoveChild('Endpoint');

    // Built from the API's id rather than `api.url`: the URL references the deployment stage, which
    // depends on the methods, which depend on the functions whose environment holds the issuer, a cycle.
    const stack = Stack.of(this);
    this.issuer = props.issuer?.replace(/\/+$/, '') ??
      `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stageName}`;

    const tunables = tunableEnvironment(props);
    // Fail at synth, not at the first cold start: run the functions' own configuration parser over the
    // values known now (tokens resolve only at deploy time, so they get placeholders).
    loadConfig({
      ...tunables,
      CIBA_ISSUER: Token.isUnresolved(this.issuer) ? 'https://issuer.invalid' : this.issuer,
      CIBA_TABLE_NAME: 'table',
      CIBA_SIGNING: 'kms',
      CIBA_KMS_KEY_ID: 'key',
    });

    const functions: Partial<Record<HandlerName, NodejsFunction>> = {};
    for (const [name, spec] of Object.entries(handlers) as [HandlerName, HandlerSpec][]) {
      if (!isDeployed(spec)) continue;
      const fn = this.createFunction(name, spec, {
        memorySize: props.memorySize ?? 256,
        logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy,
        environment: {
          // Stack traces point into the TypeScript sources (the bundle ships its source map).
          NODE_OPTIONS: '--enable-source-maps',
          CIBA_ISSUER: this.issuer,
          CIBA_TABLE_NAME: this.table.tableName,
          CIBA_SIGNING: 'kms',
          CIBA_KMS_KEY_ID: this.signingKey.keyArn,
          CIBA_SIMULATOR: String(features.simulator),
          CIBA_AUTOMATED_APPROVAL: String(features.automatedApproval),
          // Ping and push need delivery machinery this construct does not deploy.
          CIBA_DELIVERY_MODES: 'poll',
          ...tunables,
          // Only the function allowed to read the secret is told where it is.
          ...(spec.access.initialAccessToken ? { CIBA_INITIAL_ACCESS_TOKEN_SECRET: this.initialAccessToken.secretArn } : {}),
          // Declared empty so that `sam local start-api --env-vars` may set them (SAM overrides only
          // variables the template declares): a DynamoDB Local endpoint, a local signing key, a plain token.
          ...SAM_LOCAL_OVERRIDES,
          ...(spec.access.initialAccessToken ? { CIBA_INITIAL_ACCESS_TOKEN: '' } : {}),
        },
      });
      this.grantAccess(fn, spec);
      functions[name] = fn;
    }
    this.functions = functions;

    for (const route of routes) {
      const fn = functions[route.handler];
      if (fn === undefined) continue; // its feature is off
      // resourceForPath creates each path segment once, `{auth_req_id}` included, as API Gateway expects.
      // One proxy integration per method; CDK grants API Gateway invoke on that method's ARN only
      // (LambdaIntegration's scopePermissionToMethod, on by default).
      this.api.root.resourceForPath(route.path).addMethod(route.method, new apigateway.LambdaIntegration(fn));
    }
  }

  private createFunction(
    name: HandlerName,
    spec: HandlerSpec,
    options: {
      memorySize: number;
      logRetention: logs.RetentionDays;
      removalPolicy: RemovalPolicy;
      environment: Record<string, string>;
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

    return new NodejsFunction(this, `${id}Function`, {
      description: spec.description,
      entry: path.join(PROJECT_ROOT, spec.entry),
      handler: 'handler',
      // Pinned so the bundle does not depend on the directory `cdk` or the tests run from.
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: options.memorySize,
      timeout: Duration.seconds(10),
      role,
      logGroup,
      environment: options.environment,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        // Bundle the AWS SDK too: the pinned version is the tested one, and a bundled, tree-shaken SDK
        // starts faster than the runtime's copy.
        externalModules: [],
        // Some CommonJS dependencies call `require`, which ES modules lack; give them one.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
  }

  /** Grants exactly what the handler's `access` in lambdas/routes.ts declares, on this provider's resources only. */
  private grantAccess(fn: NodejsFunction, spec: HandlerSpec): void {
    const { access } = spec;
    // Named actions rather than grantReadData/grantReadWriteData, which include Scan: no request path
    // scans. Transactions need no action of their own; DynamoDB checks each Put/Update inside them.
    if (access.table === 'read') this.table.grant(fn, ...TABLE_READ_ACTIONS);
    if (access.table === 'readWrite') this.table.grant(fn, ...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS);
    if (access.signingKey === 'sign') this.signingKey.grant(fn, 'kms:Sign', 'kms:GetPublicKey');
    if (access.signingKey === 'publicKey') this.signingKey.grant(fn, 'kms:GetPublicKey');
    if (access.initialAccessToken) this.initialAccessToken.grantRead(fn);
  }
}

/** The optional CIBA_* variables, set only when the prop is given so lambdas/config.ts keeps the defaults. */
function tunableEnvironment(props: CibaProviderProps): Record<string, string> {
  const numbers: Record<string, number | undefined> = {
    CIBA_POLL_INTERVAL_SECONDS: props.pollIntervalSeconds,
    CIBA_DEFAULT_EXPIRY_SECONDS: props.defaultExpirySeconds,
    CIBA_MAX_EXPIRY_SECONDS: props.maxExpirySeconds,
    CIBA_EXPIRED_RETENTION_SECONDS: props.expiredRetentionSeconds,
    CIBA_ACCESS_TOKEN_SECONDS: props.accessTokenSeconds,
    CIBA_ID_TOKEN_SECONDS: props.idTokenSeconds,
    CIBA_CLIENT_CACHE_SECONDS: props.clientCacheSeconds,
  };
  const environment: Record<string, string> = {};
  for (const [variable, value] of Object.entries(numbers)) {
    if (value !== undefined) environment[variable] = String(value);
  }
  if (props.acrValues !== undefined) environment.CIBA_ACR_VALUES = props.acrValues.join(' ');
  if (props.acrPolicies !== undefined) environment.CIBA_ACR_POLICIES = JSON.stringify(props.acrPolicies);
  if (props.defaultAcr !== undefined) environment.CIBA_DEFAULT_ACR = props.defaultAcr;
  return environment;
}
