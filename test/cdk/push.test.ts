/**
 * Phone push in the CDK app: the SNS platform applications (PushPlatforms, a custom resource per
 * application), the functions that get them and the SNS permissions, checked on the synthesized template.
 *
 * One App, synthesized once (see ciba-provider.test.ts): a provider whose applications are created from
 * secrets, one given existing applications, one without push, and a PushPlatforms of its own whose
 * application ARN is known only at deploy time. Resources are found by type and properties or by the
 * logical ID CDK computes for a construct; no test spells out a hashed logical ID.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { CibaProvider } from '../../cdk/ciba-provider.js';
import { CibaProviderStack } from '../../cdk/ciba-provider-stack.js';
import { PUSH_APPLICATION_VARIABLES, PushPlatforms } from '../../cdk/push-platforms.js';
import { handlers } from '../../lambdas/routes.js';
import type { HandlerName, HandlerSpec } from '../../lambdas/routes.js';

const allHandlers = Object.entries(handlers) as [HandlerName, HandlerSpec][];
/** The handlers whose access includes push (lambdas/routes.ts), and the other ones deployed by default. */
const pushing = allHandlers.filter(([, spec]) => spec.access.push === true).map(([name]) => name);
const notPushing = allHandlers.filter(([name, spec]) => spec.feature === undefined && !pushing.includes(name)).map(([name]) => name);
const deliveryName = allHandlers.find(([, spec]) => spec.trigger === 'deliveryQueue')![0];

const FCM_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ciba/fcm-AbCdEf';
const EXISTING = {
  APNS: 'arn:aws:sns:eu-west-1:111122223333:app/APNS/ciba-ios',
  FCM: 'arn:aws:sns:eu-west-1:111122223333:app/GCM/ciba-android',
} as const;

let secretsStack: Stack;
let fromSecrets: CibaProvider;
let apnsSecret: secretsmanager.Secret;
let existingStack: Stack;
let fromExisting: CibaProvider;
let withoutPushStack: CibaProviderStack;
let standaloneStack: Stack;
let withSecrets: Template;
let withExisting: Template;
let withoutPush: Template;
let standalone: Template;

beforeAll(() => {
  const app = new App();
  secretsStack = new Stack(app, 'PushFromSecrets');
  apnsSecret = new secretsmanager.Secret(secretsStack, 'ApnsCredentials');
  fromSecrets = new CibaProvider(secretsStack, 'Provider', {
    push: {
      apns: { credentialsSecret: apnsSecret, sandbox: true },
      fcm: { credentialsSecret: secretsmanager.Secret.fromSecretCompleteArn(secretsStack, 'FcmCredentials', FCM_SECRET_ARN), credentialsVersion: '2' },
    },
  });
  existingStack = new Stack(app, 'PushFromExisting');
  fromExisting = new CibaProvider(existingStack, 'Provider', { push: { existing: EXISTING } });
  withoutPushStack = new CibaProviderStack(app, 'NoPush');
  standaloneStack = new Stack(app, 'Standalone');
  const platforms = new PushPlatforms(standaloneStack, 'Push', {
    existing: { FCM: new CfnParameter(standaloneStack, 'FcmApplicationArn').valueAsString },
  });
  platforms.grantPush(new iam.Role(standaloneStack, 'Pusher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));

  withSecrets = Template.fromStack(secretsStack);
  withExisting = Template.fromStack(existingStack);
  withoutPush = Template.fromStack(withoutPushStack);
  standalone = Template.fromStack(standaloneStack);
}, 240_000);

// ---------------------------------------------------------------------------------------------------
// Helpers reading the template

function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild as CfnElement | undefined;
  if (resource === undefined) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(resource);
}

type Json = Record<string, unknown>;

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

const actionsOf = (statement: Statement): string[] => [statement.Action].flat();
const resourcesOf = (statement: Statement): unknown[] => [statement.Resource].flat();

/** All statements of the inline policies attached to a role. */
function statementsOfRole(template: Template, role: IConstruct): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: logicalId(role) }]) } });
  return Object.values(policies).flatMap((policy) => (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement);
}

function fnOf(provider: CibaProvider, name: HandlerName): NonNullable<CibaProvider['functions'][HandlerName]> {
  const fn = provider.functions[name];
  if (fn === undefined) throw new Error(`no ${name} function`);
  return fn;
}

const statementsOf = (template: Template, provider: CibaProvider, name: HandlerName): Statement[] => statementsOfRole(template, fnOf(provider, name).role!);

function propertiesOf(template: Template, construct: IConstruct): Json {
  const resource = (template.toJSON().Resources as Record<string, { Properties: Json }>)[logicalId(construct)];
  if (resource === undefined) throw new Error(`${construct.node.path} is not in the template`);
  return resource.Properties;
}

function environmentOf(template: Template, provider: CibaProvider, name: HandlerName): Record<string, unknown> {
  return (propertiesOf(template, fnOf(provider, name)) as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
}

/** The platform application custom resources, by their Platform property. */
function applicationsOf(template: Template): Record<string, { id: string; properties: Json }> {
  const resources = template.findResources('Custom::SnsPlatformApplication');
  return Object.fromEntries(Object.entries(resources).map(([id, resource]) => [(resource.Properties as Json).Platform as string, { id, properties: resource.Properties as Json }]));
}

/** `arn:${Partition}:sns:${Region}:${AccountId}:<suffix>` as CDK's formatArn renders it. */
const stackArn = (suffix: string): unknown => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${suffix}`]],
});

const snsStatements = (statements: Statement[]): Statement[] => statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('sns:')));

// ---------------------------------------------------------------------------------------------------

describe('The route table', () => {
  it('names the functions that push: enrollment and delivery among them, discovery and token not', () => {
    expect(pushing).toEqual(expect.arrayContaining(['deviceEnrollment', deliveryName]));
    expect(pushing).not.toContain('discovery');
    expect(pushing).not.toContain('token');
    expect(notPushing).toEqual(expect.arrayContaining(['discovery', 'token']));
  });
});

describe('Platform applications from secrets', () => {
  it('are custom resources served by the provider framework, one per platform', () => {
    const applications = applicationsOf(withSecrets);
    expect(Object.keys(applications).sort()).toEqual(['APNS_SANDBOX', 'GCM']);
    const serviceToken = secretsStack.resolve(fromSecrets.pushPlatforms!.provider!.serviceToken);
    expect(serviceToken).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    for (const { properties } of Object.values(applications)) expect(properties.ServiceToken).toEqual(serviceToken);
    expect(applications.APNS_SANDBOX!.properties).toEqual({
      ServiceToken: serviceToken,
      Platform: 'APNS_SANDBOX',
      Name: expect.stringMatching(/^[\w.-]{1,256}$/),
      SecretArn: { Ref: logicalId(apnsSecret) },
    });
    expect(applications.GCM!.properties).toEqual({
      ServiceToken: serviceToken,
      Platform: 'GCM',
      Name: expect.stringMatching(/^[\w.-]{1,256}$/),
      SecretArn: FCM_SECRET_ARN,
      CredentialsVersion: '2',
    });
    // Names unique per application, and nothing of the credentials in the template.
    expect(applications.APNS_SANDBOX!.properties.Name).not.toEqual(applications.GCM!.properties.Name);
    // `"signingKey"` as a JSON member (the APNs credentials field), not our own SigningKeys resources.
    expect(JSON.stringify(withSecrets.toJSON())).not.toMatch(/PRIVATE KEY|"signingKey"|serviceAccount/);
  });

  it('run the onEvent function on nodejs22.x, arm64, bundled as ESM', () => {
    const onEvent = fromSecrets.pushPlatforms!.provider!.onEventHandler;
    expect(propertiesOf(withSecrets, onEvent)).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
  });

  it('let the onEvent role read those two secrets and no other', () => {
    const role = fromSecrets.pushPlatforms!.provider!.onEventHandler.role!;
    const secretStatements = statementsOfRole(withSecrets, role).filter((statement) => actionsOf(statement).some((action) => action.startsWith('secretsmanager:')));
    expect(secretStatements.flatMap(actionsOf)).toContain('secretsmanager:GetSecretValue');
    expect(secretStatements.flatMap(actionsOf).every((action) => ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'].includes(action))).toBe(true);
    expect(secretStatements.flatMap(resourcesOf).sort()).toEqual([{ Ref: logicalId(apnsSecret) }, FCM_SECRET_ARN].sort());
  });

  it('let the onEvent role create applications in its region only, and update and delete only its own', () => {
    const role = fromSecrets.pushPlatforms!.provider!.onEventHandler.role!;
    const statements = snsStatements(statementsOfRole(withSecrets, role));
    const names = Object.values(applicationsOf(withSecrets)).map(({ properties }) => properties.Name as string);
    expect(statements).toEqual(
      expect.arrayContaining([
        { Effect: 'Allow', Action: 'sns:CreatePlatformApplication', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } } },
        {
          Effect: 'Allow',
          Action: ['sns:SetPlatformApplicationAttributes', 'sns:DeletePlatformApplication'],
          Resource: expect.arrayContaining(names.map((name) => stackArn(`app/*/${name}`))),
        },
      ]),
    );
    expect(statements).toHaveLength(2);
  });

  it('give the functions that push CIBA_PUSH=sns and the applications created', () => {
    const applications = applicationsOf(withSecrets);
    const deployed = pushing.filter((handler) => fromSecrets.functions[handler] !== undefined);
    expect(deployed).toEqual(expect.arrayContaining(['deviceEnrollment', deliveryName]));
    for (const name of deployed) {
      const environment = environmentOf(withSecrets, fromSecrets, name);
      expect(environment).toMatchObject({
        CIBA_PUSH: 'sns',
        [PUSH_APPLICATION_VARIABLES.APNS_SANDBOX]: { 'Fn::GetAtt': [applications.APNS_SANDBOX!.id, 'Arn'] },
        [PUSH_APPLICATION_VARIABLES.FCM]: { 'Fn::GetAtt': [applications.GCM!.id, 'Arn'] },
      });
      expect(environment).not.toHaveProperty(PUSH_APPLICATION_VARIABLES.APNS);
    }
  });

  it('let enrollment and delivery create endpoints under the applications and push to those endpoints only', () => {
    const applications = applicationsOf(withSecrets);
    for (const name of ['deviceEnrollment', deliveryName] as HandlerName[]) {
      const statements = snsStatements(statementsOf(withSecrets, fromSecrets, name));
      expect(statements).toHaveLength(2);
      expect(statements).toEqual(
        expect.arrayContaining([
          {
            Effect: 'Allow',
            Action: 'sns:CreatePlatformEndpoint',
            Resource: [{ 'Fn::GetAtt': [applications.APNS_SANDBOX!.id, 'Arn'] }, { 'Fn::GetAtt': [applications.GCM!.id, 'Arn'] }],
          },
          {
            Effect: 'Allow',
            Action: ['sns:Publish', 'sns:GetEndpointAttributes', 'sns:SetEndpointAttributes', 'sns:DeleteEndpoint'],
            Resource: [
              stackArn(`endpoint/APNS_SANDBOX/${applications.APNS_SANDBOX!.properties.Name as string}/*`),
              stackArn(`endpoint/GCM/${applications.GCM!.properties.Name as string}/*`),
            ],
          },
        ]),
      );
    }
  });
});

describe('Existing platform applications', () => {
  it('need no custom resource and no function of their own', () => {
    withExisting.resourceCountIs('Custom::SnsPlatformApplication', 0);
    expect(fromExisting.pushPlatforms!.provider).toBeUndefined();
    const functions = Object.keys(withExisting.findResources('AWS::Lambda::Function'));
    expect(functions.sort()).toEqual(Object.values(fromExisting.functions).map((fn) => logicalId(fn)).sort());
  });

  it('reach the functions that push as literal ARNs', () => {
    const deployed = pushing.filter((handler) => fromExisting.functions[handler] !== undefined);
    expect(deployed).toEqual(expect.arrayContaining(['deviceEnrollment', deliveryName]));
    for (const name of deployed) {
      expect(environmentOf(withExisting, fromExisting, name)).toMatchObject({
        CIBA_PUSH: 'sns',
        CIBA_SNS_APNS_APPLICATION_ARN: EXISTING.APNS,
        CIBA_SNS_FCM_APPLICATION_ARN: EXISTING.FCM,
      });
    }
  });

  it('scope the grants to those applications and their endpoints', () => {
    for (const name of ['deviceEnrollment', deliveryName] as HandlerName[]) {
      const statements = snsStatements(statementsOf(withExisting, fromExisting, name));
      expect(statements).toEqual([
        { Effect: 'Allow', Action: 'sns:CreatePlatformEndpoint', Resource: [EXISTING.APNS, EXISTING.FCM] },
        {
          Effect: 'Allow',
          Action: ['sns:Publish', 'sns:GetEndpointAttributes', 'sns:SetEndpointAttributes', 'sns:DeleteEndpoint'],
          Resource: ['arn:aws:sns:eu-west-1:111122223333:endpoint/APNS/ciba-ios/*', 'arn:aws:sns:eu-west-1:111122223333:endpoint/GCM/ciba-android/*'],
        },
      ]);
    }
  });

  it('known only at deploy time, still scope the endpoint grant to the application', () => {
    const parameter = { Ref: 'FcmApplicationArn' };
    const split = { 'Fn::Split': [':app/', parameter] };
    standalone.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'sns:CreatePlatformEndpoint', Resource: parameter },
          {
            Effect: 'Allow',
            Action: ['sns:Publish', 'sns:GetEndpointAttributes', 'sns:SetEndpointAttributes', 'sns:DeleteEndpoint'],
            Resource: { 'Fn::Join': ['', [{ 'Fn::Select': [0, split] }, ':endpoint/', { 'Fn::Select': [1, split] }, '/*']] },
          },
        ],
      },
    });
  });
});

describe('Functions that do not push', () => {
  it.each([
    ['secrets', () => [withSecrets, fromSecrets] as const],
    ['existing applications', () => [withExisting, fromExisting] as const],
  ])('have no SNS permission and no push setting (applications from %s)', (_, given) => {
    const [template, provider] = given();
    for (const name of notPushing) {
      expect(snsStatements(statementsOf(template, provider, name)), name).toEqual([]);
      const environment = environmentOf(template, provider, name);
      expect(Object.keys(environment).filter((variable) => variable === 'CIBA_PUSH' || variable.startsWith('CIBA_SNS_')), name).toEqual([]);
    }
  });

  it('no policy anywhere allows an SNS action on every resource, creating applications aside', () => {
    for (const template of [withSecrets, withExisting]) {
      const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
        (policy) => (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
      );
      const unscoped = snsStatements(statements).filter((statement) => resourcesOf(statement).includes('*'));
      expect(unscoped.flatMap(actionsOf)).toEqual(template === withSecrets ? ['sns:CreatePlatformApplication'] : []);
    }
  });
});

describe('Without push', () => {
  it('nothing SNS-related exists', () => {
    withoutPush.resourceCountIs('Custom::SnsPlatformApplication', 0);
    expect(withoutPushStack.provider.pushPlatforms).toBeUndefined();
    const template = JSON.stringify(withoutPush.toJSON());
    expect(template).not.toMatch(/"sns:/);
    expect(template).not.toMatch(/CIBA_PUSH|CIBA_SNS_/);
    expect(template).not.toMatch(/:sns:/);
  });
});

describe('PushPlatforms refuses', () => {
  const secret = (stack: Stack): secretsmanager.ISecret => secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', FCM_SECRET_ARN);

  it('to configure nothing', () => {
    expect(() => new PushPlatforms(new Stack(), 'Push', {})).toThrow(/configure apns, fcm or existing/);
    expect(() => new PushPlatforms(new Stack(), 'Push', { existing: {} })).toThrow(/configure apns, fcm or existing/);
  });

  it('an existing ARN that is no application of its platform', () => {
    expect(() => new PushPlatforms(new Stack(), 'Push', { existing: { FCM: EXISTING.APNS } })).toThrow(/existing.FCM .* app\/GCM\/<name>/);
    expect(() => new PushPlatforms(new Stack(), 'Push', { existing: { APNS_SANDBOX: EXISTING.APNS } })).toThrow(/existing.APNS_SANDBOX/);
    expect(() => new PushPlatforms(new Stack(), 'Push', { existing: { APNS: 'arn:aws:sns:eu-west-1:111122223333:ciba-topic' } })).toThrow(/existing.APNS/);
  });

  it('a platform both created and given', () => {
    let stack = new Stack();
    expect(() => new PushPlatforms(stack, 'Push', { apns: { credentialsSecret: secret(stack) }, existing: { APNS: EXISTING.APNS } })).toThrow(/APNS is both created/);
    stack = new Stack();
    expect(() => new PushPlatforms(stack, 'Push', { fcm: { credentialsSecret: secret(stack) }, existing: { FCM: EXISTING.FCM } })).toThrow(/FCM is both created/);
  });
});
