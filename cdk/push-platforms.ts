/**
 * SNS platform applications for the CIBA phone channel: how the provider reaches authentication devices
 * through Apple Push Notification service (APNs) and Firebase Cloud Messaging (FCM).
 *
 * CloudFormation has no resource type for SNS platform applications, so each one is a custom resource
 * (`Custom::SnsPlatformApplication`, handler lambdas/handlers/platform-application-resource.ts) that
 * reads the platform credentials from Secrets Manager at deploy time and creates, updates or deletes the
 * application. The credentials never appear in the template, the custom resource's properties or its
 * logs. Applications made elsewhere can be named by ARN instead (`existing`).
 *
 * The credentials secrets hold JSON text:
 *
 * APNs, token-based authentication (a .p8 signing key; recommended: it does not expire):
 *
 *   { "signingKey": "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
 *     "keyId": "ABC123DEFG", "teamId": "TEAM123456", "bundleId": "com.example.authenticator" }
 *
 * APNs, certificate-based authentication (the certificate and its unencrypted private key, PEM):
 *
 *   { "certificate": "-----BEGIN CERTIFICATE-----\n...", "privateKey": "-----BEGIN PRIVATE KEY-----\n..." }
 *
 * FCM (HTTP v1 API): the Firebase service account key file Google issues, as an object or as its text:
 *
 *   { "serviceAccount": { "type": "service_account", "project_id": "...", "private_key": "...",
 *                         "client_email": "...", ... } }
 *
 * The secrets are read when an application is created, when its secret changes and when
 * `credentialsVersion` changes: after putting new credentials in the same secret, change
 * `credentialsVersion` and deploy. A secret encrypted with a customer managed key must be given with
 * that key (`Secret.fromSecretAttributes(..., { encryptionKey })`) so that the handler may decrypt it.
 *
 * Removing the construct deletes the applications it created, and with them every device's platform
 * endpoint; a device gets a new endpoint the next time its app reports its push token.
 */
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { Aws, CustomResource, Duration, Fn, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { PUSH_PLATFORMS, type PushPlatform } from '../lambdas/core/model.js';
import { acknowledge, acknowledgeWildcardResource, NODE_RUNTIME_REASON } from './nag.js';

/** The repository root: the handler's entry is relative to it. */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** SNS's name of each platform: FCM is still `GCM` there. */
const SNS_PLATFORM: Readonly<Record<PushPlatform, 'APNS' | 'APNS_SANDBOX' | 'GCM'>> = { APNS: 'APNS', APNS_SANDBOX: 'APNS_SANDBOX', FCM: 'GCM' };

/** The functions' variables naming each platform's application (lambdas/config.ts). */
export const PUSH_APPLICATION_VARIABLES: Readonly<Record<PushPlatform, string>> = {
  APNS: 'CIBA_SNS_APNS_APPLICATION_ARN',
  APNS_SANDBOX: 'CIBA_SNS_APNS_SANDBOX_APPLICATION_ARN',
  FCM: 'CIBA_SNS_FCM_APPLICATION_ARN',
};

/** An SNS platform application ARN; the platform is the first capture. */
const APPLICATION_ARN = /^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:app\/(APNS|APNS_SANDBOX|GCM)\/[\w.-]{1,256}$/;

/** What the phone-facing functions may do with the platform endpoints under the applications. */
const ENDPOINT_ACTIONS = ['sns:Publish', 'sns:GetEndpointAttributes', 'sns:SetEndpointAttributes', 'sns:DeleteEndpoint'];

export interface ApnsPlatformProps {
  /**
   * The secret holding the APNs credentials: token-based `{signingKey, keyId, teamId, bundleId}` or
   * certificate-based `{certificate, privateKey}` (see the top of this file).
   */
  readonly credentialsSecret: ISecret;
  /**
   * Use the APNs sandbox (development builds of the app, platform `APNS_SANDBOX`) instead of production.
   *
   * @default false
   */
  readonly sandbox?: boolean;
  /**
   * Any string; changing it makes the next deployment read the secret again and update the application.
   *
   * @default - none: the secret is read when the application is created and when the secret changes
   */
  readonly credentialsVersion?: string;
}

export interface FcmPlatformProps {
  /** The secret holding `{serviceAccount}`, the Firebase service account key (see the top of this file). */
  readonly credentialsSecret: ISecret;
  /**
   * Any string; changing it makes the next deployment read the secret again and update the application.
   *
   * @default - none: the secret is read when the application is created and when the secret changes
   */
  readonly credentialsVersion?: string;
}

export interface PushPlatformsProps {
  /**
   * An APNs platform application, created from the credentials in a secret (iOS devices).
   *
   * @default - no APNs application is created
   */
  readonly apns?: ApnsPlatformProps;
  /**
   * An FCM platform application, created from the service account key in a secret (Android devices).
   *
   * @default - no FCM application is created
   */
  readonly fcm?: FcmPlatformProps;
  /**
   * Platform applications made elsewhere, by platform: `arn:aws:sns:region:account:app/GCM/name` for
   * FCM, `.../app/APNS/name` and `.../app/APNS_SANDBOX/name` for APNs. A platform may not be both
   * created here and named here.
   *
   * @default - none
   */
  readonly existing?: Partial<Record<PushPlatform, string>>;
}

/** The SNS platform applications of one provider, and the permission to push through them. */
export class PushPlatforms extends Construct {
  /** The application of each configured platform (tokens for the applications created here). */
  public readonly applicationArns: Partial<Record<PushPlatform, string>>;
  /**
   * The variables that give a function these applications: `CIBA_PUSH=sns` and one
   * `CIBA_SNS_*_APPLICATION_ARN` per platform (lambdas/config.ts).
   */
  public readonly environment: Readonly<Record<string, string>>;
  /** The custom resource provider; undefined when every application is `existing`. */
  public readonly provider?: Provider;
  /** `arn:...:endpoint/PLATFORM/name/*` for each application: the devices' endpoints. */
  private readonly endpointArns: string[];

  constructor(scope: Construct, id: string, props: PushPlatformsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    const existing = props.existing ?? {};
    if (!props.apns && !props.fcm && Object.values(existing).every((arn) => arn === undefined)) {
      throw new Error('PushPlatforms: configure apns, fcm or existing applications');
    }
    for (const [platform, arn] of Object.entries(existing)) {
      if (!(PUSH_PLATFORMS as readonly string[]).includes(platform)) throw new Error(`PushPlatforms: existing.${platform} is not a push platform (${PUSH_PLATFORMS.join(', ')})`);
      if (arn !== undefined && !Token.isUnresolved(arn) && APPLICATION_ARN.exec(arn)?.[1] !== SNS_PLATFORM[platform as PushPlatform]) {
        throw new Error(`PushPlatforms: existing.${platform} must be an SNS platform application ARN ending in app/${SNS_PLATFORM[platform as PushPlatform]}/<name>, got ${JSON.stringify(arn)}`);
      }
    }
    const apnsPlatform: PushPlatform = props.apns?.sandbox ? 'APNS_SANDBOX' : 'APNS';
    if (props.apns && existing[apnsPlatform] !== undefined) throw new Error(`PushPlatforms: ${apnsPlatform} is both created (apns) and given (existing.${apnsPlatform})`);
    if (props.fcm && existing.FCM !== undefined) throw new Error('PushPlatforms: FCM is both created (fcm) and given (existing.FCM)');

    const applicationArns: Partial<Record<PushPlatform, string>> = {};
    this.endpointArns = [];
    for (const [platform, arn] of Object.entries(existing) as [PushPlatform, string | undefined][]) {
      if (arn === undefined) continue;
      applicationArns[platform] = arn;
      this.endpointArns.push(endpointArnsOf(arn));
    }

    const created: { id: string; platform: PushPlatform; secret: ISecret; credentialsVersion: string | undefined }[] = [];
    if (props.apns) created.push({ id: 'Apns', platform: apnsPlatform, secret: props.apns.credentialsSecret, credentialsVersion: props.apns.credentialsVersion });
    if (props.fcm) created.push({ id: 'Fcm', platform: 'FCM', secret: props.fcm.credentialsSecret, credentialsVersion: props.fcm.credentialsVersion });

    if (created.length > 0) {
      const handler = this.createHandler();
      const provider = new Provider(this, 'Provider', {
        onEventHandler: handler,
        logGroup: new logs.LogGroup(this, 'ProviderLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      });
      this.provider = provider;
      // The provider framework's own onEvent function (aws-cdk-lib/custom-resources) is not ours to shape.
      acknowledge(provider, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'The CDK custom resource provider framework gives its onEvent function AWSLambdaBasicExecutionRole; it only relays events to our handler');
      acknowledgeWildcardResource(provider, `${handler.functionArn}:*`, 'The CDK provider framework may invoke any version of our handler function (`:*` is its versions, not other functions)');

      const names: string[] = [];
      for (const application of created) {
        const applicationScope = new Construct(this, application.id);
        // Derived from the stack name and construct path: unique per provider, stable across deployments.
        const name = Names.uniqueResourceName(applicationScope, { maxLength: 128 });
        names.push(name);
        application.secret.grantRead(handler);
        const resource = new CustomResource(applicationScope, 'Resource', {
          serviceToken: provider.serviceToken,
          resourceType: 'Custom::SnsPlatformApplication',
          properties: {
            Platform: SNS_PLATFORM[application.platform],
            Name: name,
            SecretArn: application.secret.secretArn,
            ...(application.credentialsVersion !== undefined ? { CredentialsVersion: application.credentialsVersion } : {}),
          },
        });
        applicationArns[application.platform] = resource.getAttString('Arn');
        this.endpointArns.push(stack.formatArn({ service: 'sns', resource: 'endpoint', resourceName: `${SNS_PLATFORM[application.platform]}/${name}/*` }));
      }

      // SNS authorizes CreatePlatformApplication on no particular application (the request names none yet),
      // so its resource can only be `*`: the condition keeps it to this stack's region.
      handler.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['sns:CreatePlatformApplication'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:RequestedRegion': Aws.REGION } },
        }),
      );
      // Updating and deleting: the applications this construct names, whatever their platform (switching
      // `sandbox` replaces APNS by APNS_SANDBOX under the same name, and the old one is deleted after).
      const applicationArnsByName = names.map((name) => stack.formatArn({ service: 'sns', resource: 'app', resourceName: `*/${name}` }));
      handler.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['sns:SetPlatformApplicationAttributes', 'sns:DeletePlatformApplication'],
          resources: applicationArnsByName,
        }),
      );
      acknowledgeWildcardResource(handler.role!, '*', 'sns:CreatePlatformApplication authorizes on no application (the request names none yet); limited to this region by condition');
      for (const arn of applicationArnsByName) {
        acknowledgeWildcardResource(handler.role!, arn, 'The platform (APNS or APNS_SANDBOX) may change under the same application name; the name is this construct\'s own');
      }
    }

    this.applicationArns = applicationArns;
    this.environment = {
      CIBA_PUSH: 'sns',
      ...Object.fromEntries((Object.entries(applicationArns) as [PushPlatform, string][]).map(([platform, arn]) => [PUSH_APPLICATION_VARIABLES[platform], arn])),
    };
  }

  /**
   * Lets `grantee` register devices and push to them: CreatePlatformEndpoint on the applications, and
   * Publish, Get/SetEndpointAttributes and DeleteEndpoint on the endpoints under them, nothing else.
   */
  public grantPush(grantee: iam.IGrantable): iam.Grant {
    // Endpoints are created per device at run time, so only their application's prefix can be named.
    const principal = grantee.grantPrincipal;
    if (principal instanceof Construct) {
      for (const arn of this.endpointArns) {
        acknowledgeWildcardResource(principal, arn, "Devices' platform endpoints are created at run time under the application; the wildcard covers only this application's endpoints");
      }
    }
    return iam.Grant.addToPrincipal({ grantee, actions: ['sns:CreatePlatformEndpoint'], resourceArns: Object.values(this.applicationArns) }).combine(
      iam.Grant.addToPrincipal({ grantee, actions: ENDPOINT_ACTIONS, resourceArns: this.endpointArns }),
    );
  }

  /** The custom resource's onEvent function, bundled like the provider's functions. */
  private createHandler(): NodejsFunction {
    // A role and log group of our own, as for the provider's functions: logging to this group only.
    const logGroup = new logs.LogGroup(this, 'HandlerLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'CIBA provider SNS platform applications (custom resource)',
    });
    logGroup.grantWrite(role);
    const handler = new NodejsFunction(this, 'Handler', {
      description: 'Creates, updates and deletes SNS platform applications from credentials in Secrets Manager',
      entry: path.join(PROJECT_ROOT, 'lambdas/handlers/platform-application-resource.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(1),
      role,
      logGroup,
      // Stack traces point into the TypeScript source (the bundle ships its source map).
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        externalModules: [],
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
    acknowledge(handler, 'AwsSolutions-L1', NODE_RUNTIME_REASON);
    return handler;
  }
}

/** `arn:...:app/GCM/name` -> `arn:...:endpoint/GCM/name/*`, also for an ARN known only at deploy time. */
function endpointArnsOf(applicationArn: string): string {
  if (!Token.isUnresolved(applicationArn)) return `${applicationArn.replace(':app/', ':endpoint/')}/*`;
  const parts = Fn.split(':app/', applicationArn);
  return Fn.join('', [Fn.select(0, parts), ':endpoint/', Fn.select(1, parts), '/*']);
}
