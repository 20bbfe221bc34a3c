/**
 * The CibaProvider construct and CibaProviderStack, checked on the synthesized CloudFormation.
 *
 * Synthesis bundles every function with esbuild, so the stacks are built once, in one App (CDK reuses
 * a bundle when the same entry is bundled again into the same output directory), and every test reads
 * the resulting templates. Resources are found by type and properties, or by the logical ID CDK
 * computes for a construct; no test spells out a hashed logical ID.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { CibaProvider } from '../../cdk/ciba-provider.js';
import { CibaProviderStack } from '../../cdk/ciba-provider-stack.js';
import { AUTOMATED_APPROVAL_TEMPLATE, handlers, routes } from '../../lambdas/routes.js';
import type { HandlerName, HandlerSpec } from '../../lambdas/routes.js';
import { tableSchema } from '../../lambdas/adapters/dynamodb/table-schema.js';

const allHandlers = Object.entries(handlers) as [HandlerName, HandlerSpec][];
const ungatedHandlers = allHandlers.filter(([, spec]) => spec.feature === undefined);
const ungatedRouteHandlers = ungatedHandlers.filter(([, spec]) => spec.trigger === undefined);
const ungatedRoutes = routes.filter((route) => handlers[route.handler].feature === undefined);
const key = (route: { method: string; path: string }): string => `${route.method} ${route.path}`;

let defaultStack: CibaProviderStack;
let featuresStack: CibaProviderStack;
let twoProvidersStack: Stack;
let realm1: CibaProvider;
let realm2: CibaProvider;
let byDefault: Template;
let withFeatures: Template;
let twoProviders: Template;

beforeAll(() => {
  // Asset metadata is what `sam local start-api` reads to find each function's bundle; the CDK CLI
  // turns it on, a bare App does not.
  const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
  defaultStack = new CibaProviderStack(app, 'Default');
  featuresStack = new CibaProviderStack(app, 'Features', {
    provider: { features: { simulator: true, automatedApproval: true } },
  });
  twoProvidersStack = new Stack(app, 'TwoProviders');
  realm1 = new CibaProvider(twoProvidersStack, 'Realm1');
  realm2 = new CibaProvider(twoProvidersStack, 'Realm2', {
    issuer: 'https://id.example.com/realm2/',
    stageName: 'live',
    pollIntervalSeconds: 2,
    acrValues: ['ciba'],
    userMaxPendingRequests: 0,
    userRequestsPerMinute: 10,
  });
  byDefault = Template.fromStack(defaultStack);
  withFeatures = Template.fromStack(featuresStack);
  twoProviders = Template.fromStack(twoProvidersStack);
}, 180_000);

// ---------------------------------------------------------------------------------------------------
// Helpers reading the template

function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild as CfnElement | undefined;
  if (resource === undefined) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(resource);
}

type Json = Record<string, unknown>;

/** Every method of the RestApi `apiId` as 'GET /device/auth-requests/{auth_req_id}', rebuilt from PathPart/ParentId. */
function methodsOf(template: Template, apiId: string): string[] {
  const resources = template.findResources('AWS::ApiGateway::Resource', { Properties: { RestApiId: { Ref: apiId } } });
  const pathOf = (ref: Json): string => {
    if ('Fn::GetAtt' in ref) return ''; // the API's root resource
    const resource = resources[(ref as { Ref: string }).Ref];
    if (resource === undefined) throw new Error(`unknown resource ${JSON.stringify(ref)}`);
    const { PathPart, ParentId } = resource.Properties as { PathPart: string; ParentId: Json };
    return `${pathOf(ParentId)}/${PathPart}`;
  };
  const methods = template.findResources('AWS::ApiGateway::Method', { Properties: { RestApiId: { Ref: apiId } } });
  return Object.values(methods)
    .map((method) => {
      const { HttpMethod, ResourceId } = method.Properties as { HttpMethod: string; ResourceId: Json };
      return `${HttpMethod} ${pathOf(ResourceId) || '/'}`;
    })
    .sort();
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** All statements of the inline policies attached to a function's role. */
function statementsOf(template: Template, provider: CibaProvider, name: HandlerName): Statement[] {
  const fn = provider.functions[name];
  if (fn === undefined) throw new Error(`no ${name} function`);
  const roleId = logicalId(fn.role!);
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } });
  return Object.values(policies).flatMap((policy) => (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement);
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
}

function environmentOf(template: Template, provider: CibaProvider, name: HandlerName): Record<string, unknown> {
  const fn = provider.functions[name];
  if (fn === undefined) throw new Error(`no ${name} function`);
  const resource = template.toJSON().Resources[logicalId(fn)] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
  return resource.Properties.Environment.Variables;
}

// ---------------------------------------------------------------------------------------------------

describe('CibaProvider API', () => {
  it('has one method per route, at the route path, when the optional features are off', () => {
    const apiId = logicalId(defaultStack.provider.api);
    expect(methodsOf(byDefault, apiId)).toEqual(ungatedRoutes.map(key).sort());
    byDefault.resourceCountIs('AWS::ApiGateway::Method', ungatedRoutes.length);
    for (const route of ungatedRoutes) {
      const lastPart = route.path.split('/').at(-1);
      byDefault.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: lastPart });
      byDefault.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: route.method });
    }
  });

  it('leaves out feature-gated routes and functions by default', () => {
    expect(defaultStack.provider.functions.simulator).toBeUndefined();
    expect(defaultStack.provider.functions.automatedApproval).toBeUndefined();
    for (const pathPart of ['simulator', 'enrollment-code', 'test', 'approve']) {
      expect(byDefault.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: pathPart } })).toEqual({});
    }
  });

  it('adds the feature-gated routes when the features are on', () => {
    const apiId = logicalId(featuresStack.provider.api);
    expect(methodsOf(withFeatures, apiId)).toEqual(routes.map(key).sort());
    withFeatures.resourceCountIs('AWS::ApiGateway::Method', routes.length);
    withFeatures.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'simulator' });
    withFeatures.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'approve' });
    withFeatures.resourceCountIs('AWS::Lambda::Function', allHandlers.length);
  });

  it('uses Lambda proxy integrations, each scoped by its own invoke permission', () => {
    byDefault.allResourcesProperties('AWS::ApiGateway::Method', {
      AuthorizationType: 'NONE',
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
    });
    // CDK grants API Gateway invoke per method (plus one for the console's test-invoke); the one other
    // permission lets EventBridge start the signing key rotation.
    const permissions = Object.values(byDefault.findResources('AWS::Lambda::Permission')).map((resource) => resource.Properties as { Action: string; Principal: string });
    expect(permissions.filter((permission) => permission.Principal === 'apigateway.amazonaws.com')).toHaveLength(2 * ungatedRoutes.length);
    expect(permissions.filter((permission) => permission.Principal !== 'apigateway.amazonaws.com')).toEqual([
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' }),
    ]);
  });

  it('deploys to the prod stage and sets no account-wide CloudWatch role', () => {
    byDefault.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod' });
    byDefault.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describe('CibaProvider functions', () => {
  it('makes one Node.js 22 arm64 function per enabled handler', () => {
    byDefault.resourceCountIs('AWS::Lambda::Function', ungatedHandlers.length);
    byDefault.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      FunctionName: Match.absent(),
    });
    expect(Object.keys(defaultStack.provider.functions).sort()).toEqual(ungatedHandlers.map(([name]) => name).sort());
  });

  it('gives the functions behind routes a 10 s timeout (the notification workers: notifications.test.ts)', () => {
    const resources = byDefault.toJSON().Resources as Record<string, { Properties: { Timeout: number } }>;
    for (const [name] of ungatedRouteHandlers) {
      expect(resources[logicalId(defaultStack.provider.functions[name]!)]?.Properties.Timeout, name).toBe(10);
    }
  });

  it('gives every function the provider configuration', () => {
    const provider = defaultStack.provider;
    const keyArn = { 'Fn::GetAtt': [logicalId(provider.signingKeys.wrappingKey!), 'Arn'] };
    for (const [name] of ungatedHandlers) {
      const environment = environmentOf(byDefault, provider, name);
      expect(environment).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        CIBA_SIGNING: 'envelope',
        CIBA_SIGNING_WRAPPING_KEY_ID: keyArn,
        CIBA_SIGNING_KEY_ROTATION_DAYS: '30',
        CIBA_TABLE_NAME: { Ref: logicalId(provider.table) },
        CIBA_SIMULATOR: 'false',
        CIBA_AUTOMATED_APPROVAL: 'false',
        // All three modes by default; ping and push are delivered by the notification workers.
        CIBA_DELIVERY_MODES: 'poll ping push',
      });
      // The default issuer is the execute-api URL of the provider's own API and stage.
      expect(JSON.stringify(environment.CIBA_ISSUER)).toContain(JSON.stringify({ Ref: logicalId(provider.api) }));
      expect(JSON.stringify(environment.CIBA_ISSUER)).toContain('/prod');
    }
  });

  it('tells only the registration function where the initial access token is', () => {
    for (const [name, spec] of ungatedHandlers) {
      const environment = environmentOf(byDefault, defaultStack.provider, name);
      if (spec.access.initialAccessToken) {
        expect(environment.CIBA_INITIAL_ACCESS_TOKEN_SECRET).toEqual({ Ref: logicalId(defaultStack.provider.initialAccessToken) });
      } else {
        expect(environment).not.toHaveProperty('CIBA_INITIAL_ACCESS_TOKEN_SECRET');
      }
    }
  });

  it('turns the feature flags on in the functions when the features are on', () => {
    for (const name of Object.keys(featuresStack.provider.functions) as HandlerName[]) {
      expect(environmentOf(withFeatures, featuresStack.provider, name)).toMatchObject({
        CIBA_SIMULATOR: 'true',
        CIBA_AUTOMATED_APPROVAL: 'true',
      });
    }
  });

  it('logs to a log group of its own with a retention, not through the logRetention custom resource', () => {
    // One per function, and the API stage's access log (operations.test.ts).
    byDefault.resourceCountIs('AWS::Logs::LogGroup', ungatedHandlers.length + 1);
    byDefault.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    byDefault.allResourcesProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.anyValue() } },
    });
  });

  it('stays readable by `sam local start-api`: asset code, and only the signing keys as a custom resource', () => {
    byDefault.allResources('AWS::Lambda::Function', {
      Metadata: { 'aws:asset:path': Match.anyValue(), 'aws:asset:property': 'Code' },
    });
    // sam local skips custom resources; locally the signing keys are made on first use instead.
    const types = Object.values(byDefault.toJSON().Resources as Record<string, { Type: string }>).map((resource) => resource.Type);
    expect(types.filter((type) => type.startsWith('Custom::') || type.startsWith('AWS::Serverless::'))).toEqual(['Custom::SigningKeyRing']);
  });
});

describe('CibaProvider state', () => {
  it('stores everything in one on-demand, encrypted, recoverable table with TTL and the GSI', () => {
    byDefault.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    byDefault.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: Match.absent(),
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: tableSchema.partitionKey, KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: tableSchema.timeToLiveAttribute, Enabled: true },
      SSESpecification: { SSEEnabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: tableSchema.listIndex.name,
          KeySchema: [
            { AttributeName: tableSchema.listIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: tableSchema.listIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }),
      ],
    });
    byDefault.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('keeps the signing keys encrypted under a retained, rotating symmetric KMS key (envelope signing)', () => {
    byDefault.resourceCountIs('AWS::KMS::Key', 1);
    byDefault.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, KeySpec: Match.absent(), KeyUsage: Match.absent() });
    byDefault.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    byDefault.resourceCountIs('AWS::KMS::Alias', 0);
  });

  it('makes the first signing keys at deployment and rotates them every 30 days', () => {
    const rotation = logicalId(defaultStack.provider.functions.signingKeyRotation!);
    byDefault.hasResourceProperties('Custom::SigningKeyRing', { ServiceToken: { 'Fn::GetAtt': [rotation, 'Arn'] }, Mode: 'envelope' });
    byDefault.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 days)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [rotation, 'Arn'] } })],
    });
  });

  it('generates an initial access token of at least 43 letters and digits', () => {
    byDefault.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: Match.absent(),
      GenerateSecretString: { ExcludePunctuation: true, PasswordLength: Match.anyValue() },
    });
    const [secret] = Object.values(byDefault.findResources('AWS::SecretsManager::Secret'));
    const length = (secret?.Properties as { GenerateSecretString: { PasswordLength: number } }).GenerateSecretString.PasswordLength;
    expect(length).toBeGreaterThanOrEqual(43);
  });
});

describe('CibaProvider permissions', () => {
  it('lets the token function decrypt signing keys with the wrapping key, only with their encryption context', () => {
    const provider = defaultStack.provider;
    const statements = statementsOf(byDefault, provider, 'token');
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [logicalId(provider.signingKeys.wrappingKey!), 'Arn'] },
      Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'ciba-signing-key' } },
    });
    expect(actionsOf(statements)).not.toContain('kms:GenerateDataKeyPairWithoutPlaintext');
  });

  it('lets the jwks function read the key ring item and nothing else', () => {
    const statements = statementsOf(byDefault, defaultStack.provider, 'jwks').filter((statement) => !actionsOf([statement]).every((action) => action.startsWith('logs:') || action.startsWith('xray:')));
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [logicalId(defaultStack.provider.table), 'Arn'] },
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SIGNING-KEYS'] } },
      },
    ]);
  });

  it('gives the discovery function no data or key access', () => {
    const actions = actionsOf(statementsOf(byDefault, defaultStack.provider, 'discovery'));
    expect(actions.filter((action) => action.startsWith('dynamodb:') || action.startsWith('kms:'))).toEqual([]);
  });

  it('lets only the registration function read the secret', () => {
    for (const [name, spec] of ungatedHandlers) {
      const actions = actionsOf(statementsOf(byDefault, defaultStack.provider, name));
      expect(actions.includes('secretsmanager:GetSecretValue'), name).toBe(spec.access.initialAccessToken === true);
    }
  });

  it('grants each function exactly the access its route-table entry declares', () => {
    for (const [name, spec] of ungatedHandlers) {
      const actions = actionsOf(statementsOf(byDefault, defaultStack.provider, name));
      // Every use of the signing keys reads the key ring item.
      expect(actions.includes('dynamodb:GetItem'), `${name} reads the table`).toBe(spec.access.table !== undefined || spec.access.signingKey !== undefined);
      expect(actions.includes('dynamodb:PutItem'), `${name} writes the table`).toBe(spec.access.table === 'readWrite' || spec.access.signingKey === 'rotate');
      // Envelope signing (the default): signing is decrypting the key once; no KMS request per token.
      expect(actions.includes('kms:Decrypt'), `${name} opens the signing key`).toBe(spec.access.signingKey === 'sign');
      expect(actions.includes('kms:GenerateDataKeyPairWithoutPlaintext'), `${name} makes keys`).toBe(spec.access.signingKey === 'rotate');
      expect(actions.includes('kms:Sign'), `${name} signs with KMS`).toBe(false);
      expect(actions.includes('dynamodb:BatchGetItem'), `${name} reads items in a batch`).toBe(spec.access.table !== undefined);
    }
  });

  it('never grants on every resource, but for X-Ray, and attaches no managed policy', () => {
    // X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions: `*` is their only resource.
    const xrayWrite = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    for (const policy of Object.values(byDefault.findResources('AWS::IAM::Policy'))) {
      const statements = (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement;
      for (const statement of statements) {
        if ([statement.Action].flat().every((action) => xrayWrite.includes(action))) continue;
        expect([statement.Resource].flat()).not.toContain('*');
      }
    }
    byDefault.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent(), RoleName: Match.absent() });
  });
});

describe('CibaProvider observability', () => {
  it('names the service after the stack unless told, and tells every function its namespace and log level; X-Ray without the Powertools Tracer', () => {
    expect(defaultStack.provider.serviceName).toBe('Default');
    for (const [name] of ungatedHandlers) {
      expect(environmentOf(byDefault, defaultStack.provider, name), name).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'Default',
        POWERTOOLS_METRICS_NAMESPACE: 'CIBA',
        POWERTOOLS_TRACE_ENABLED: 'false',
        LOG_LEVEL: 'INFO',
      });
    }
    byDefault.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
  });

  it('lets each function of a role write traces to X-Ray', () => {
    const actions = actionsOf(statementsOf(byDefault, defaultStack.provider, 'token'));
    expect(actions).toEqual(expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
  });

  it('takes the service name, log level and detailed tracing from its props', () => {
    expect(realm2.serviceName).toBe('TwoProviders');
    // An empty bundling-stacks list skips esbuild: only the template is read here.
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Named');
    const named = new CibaProvider(stack, 'Provider', { serviceName: 'ciba-eu', logLevel: 'DEBUG', detailedTracing: true });
    expect(named.serviceName).toBe('ciba-eu');
    const fn = named.functions.token?.node.defaultChild as { environment?: { variables?: Record<string, string> } } | undefined;
    expect(stack.resolve(fn?.environment)).toMatchObject({ variables: { POWERTOOLS_SERVICE_NAME: 'ciba-eu', LOG_LEVEL: 'DEBUG', POWERTOOLS_TRACE_ENABLED: 'true' } });
  });
});

describe('CibaProviderStack outputs', () => {
  it('outputs what an operator needs after deploying', () => {
    // Exactly these: the construct itself adds none (not even RestApi's default `Endpoint` output).
    expect(Object.keys(byDefault.findOutputs('*')).sort()).toEqual(
      ['ApiUrl', 'DeliveryDeadLetterQueueUrl', 'InitialAccessTokenSecretArn', 'Issuer', 'SigningKeyWrappingKeyArn', 'SigningMode', 'StreamFailureQueueUrl', 'TableName'],
    );
    expect(Object.keys(twoProviders.findOutputs('*'))).toEqual([]);
  });

  it('outputs the automated approval URL template when that feature is on', () => {
    const outputs = withFeatures.findOutputs('AutomatedApprovalUrlTemplate');
    expect(JSON.stringify(outputs)).toContain(JSON.stringify(AUTOMATED_APPROVAL_TEMPLATE).slice(1, -1));
  });
});

describe('Two CibaProviders in one stack', () => {
  it('synthesize side by side, each with its own table, key, secret, API and functions', () => {
    twoProviders.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
    twoProviders.resourceCountIs('AWS::KMS::Key', 2);
    twoProviders.resourceCountIs('AWS::SecretsManager::Secret', 2);
    twoProviders.resourceCountIs('AWS::ApiGateway::RestApi', 2);
    twoProviders.resourceCountIs('AWS::Lambda::Function', 2 * ungatedHandlers.length);
    expect(methodsOf(twoProviders, logicalId(realm1.api))).toEqual(ungatedRoutes.map(key).sort());
    expect(methodsOf(twoProviders, logicalId(realm2.api))).toEqual(ungatedRoutes.map(key).sort());
  });

  it('point each provider at its own resources', () => {
    const token1 = environmentOf(twoProviders, realm1, 'token');
    const token2 = environmentOf(twoProviders, realm2, 'token');
    expect(token1.CIBA_TABLE_NAME).toEqual({ Ref: logicalId(realm1.table) });
    expect(token2.CIBA_TABLE_NAME).toEqual({ Ref: logicalId(realm2.table) });
    expect(token1.CIBA_SIGNING_WRAPPING_KEY_ID).toEqual({ 'Fn::GetAtt': [logicalId(realm1.signingKeys.wrappingKey!), 'Arn'] });
    expect(token2.CIBA_SIGNING_WRAPPING_KEY_ID).toEqual({ 'Fn::GetAtt': [logicalId(realm2.signingKeys.wrappingKey!), 'Arn'] });
  });

  it('passes an explicit issuer (without its trailing slash), stage and tunables through', () => {
    expect(realm2.issuer).toBe('https://id.example.com/realm2');
    expect(environmentOf(twoProviders, realm2, 'discovery')).toMatchObject({
      CIBA_ISSUER: 'https://id.example.com/realm2',
      CIBA_POLL_INTERVAL_SECONDS: '2',
      CIBA_ACR_VALUES: 'ciba',
      CIBA_USER_MAX_PENDING_REQUESTS: '0',
      CIBA_USER_REQUESTS_PER_MINUTE: '10',
    });
    expect(environmentOf(twoProviders, realm1, 'discovery')).not.toHaveProperty('CIBA_POLL_INTERVAL_SECONDS');
    twoProviders.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'live' });
  });
});

describe('CibaProvider validation', () => {
  // Rejected before any function is created, so these cost no bundling.
  it('rejects a default expiry above the maximum at synth time', () => {
    const stack = new Stack(new App(), 'Invalid');
    expect(() => new CibaProvider(stack, 'Provider', { defaultExpirySeconds: 600, maxExpirySeconds: 300 })).toThrow(
      /CIBA_DEFAULT_EXPIRY_SECONDS/,
    );
  });

  it('rejects an issuer with a query', () => {
    const stack = new Stack(new App(), 'Invalid');
    expect(() => new CibaProvider(stack, 'Provider', { issuer: 'https://id.example.com/?tenant=a' })).toThrow(/CIBA_ISSUER/);
  });
});
