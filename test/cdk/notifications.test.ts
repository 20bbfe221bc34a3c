/**
 * Ping and push delivery in the CibaProvider construct: the table's stream, the dispatcher and delivery
 * functions, their event sources, the queues and the permissions, checked on the synthesized template.
 *
 * One App, synthesized once (see ciba-provider.test.ts): the default stack (all three delivery modes), a
 * poll-only stack and a provider with delivery settings. Resources are found by type and properties or by
 * the logical ID CDK computes for a construct; no test spells out a hashed logical ID.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { CibaProvider, LOCAL_ONLY_VARIABLES } from '../../cdk/ciba-provider.js';
import { CibaProviderStack } from '../../cdk/ciba-provider-stack.js';
import { handlers } from '../../lambdas/routes.js';
import type { HandlerName, HandlerSpec } from '../../lambdas/routes.js';
import { keyPrefix } from '../../lambdas/adapters/dynamodb/table-schema.js';

const allHandlers = Object.entries(handlers) as [HandlerName, HandlerSpec][];
const workers = allHandlers.filter(([, spec]) => spec.trigger === 'tableStream' || spec.trigger === 'deliveryQueue').map(([name]) => name);
const dispatcherName = allHandlers.find(([, spec]) => spec.trigger === 'tableStream')![0];
const deliveryName = allHandlers.find(([, spec]) => spec.trigger === 'deliveryQueue')![0];

/** lambdas/config.ts's default CIBA_DELIVERY_TIMEOUT_MS. */
const DEFAULT_DELIVERY_TIMEOUT_MS = 5000;

let app: App;
let notifying: CibaProviderStack;
let pollOnly: CibaProviderStack;
let tunedStack: Stack;
let tuned: CibaProvider;
let byDefault: Template;
let poll: Template;
let withSettings: Template;

beforeAll(() => {
  app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
  notifying = new CibaProviderStack(app, 'Notifying');
  pollOnly = new CibaProviderStack(app, 'PollOnly', { provider: { deliveryModes: ['poll'] } });
  tunedStack = new Stack(app, 'Tuned');
  tuned = new CibaProvider(tunedStack, 'Provider', {
    deliveryModes: ['poll', 'push'],
    delivery: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 60_000, timeoutMs: 10_000 },
    defaultProfile: 'fapi',
  });
  byDefault = Template.fromStack(notifying);
  poll = Template.fromStack(pollOnly);
  withSettings = Template.fromStack(tunedStack);
}, 180_000);

// ---------------------------------------------------------------------------------------------------
// Helpers reading the template

function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild as CfnElement | undefined;
  if (resource === undefined) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(resource);
}

const arnOf = (construct: IConstruct): unknown => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });

type Json = Record<string, unknown>;

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

function fnOf(provider: CibaProvider, name: HandlerName): NonNullable<CibaProvider['functions'][HandlerName]> {
  const fn = provider.functions[name];
  if (fn === undefined) throw new Error(`no ${name} function`);
  return fn;
}

/** All statements of the inline policies attached to a function's role. */
function statementsOf(template: Template, provider: CibaProvider, name: HandlerName): Statement[] {
  const roleId = logicalId(fnOf(provider, name).role!);
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } });
  return Object.values(policies).flatMap((policy) => (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement);
}

const actionsOf = (statement: Statement): string[] => [statement.Action].flat();

function propertiesOf(template: Template, construct: IConstruct): Json {
  const resource = (template.toJSON().Resources as Record<string, { Properties: Json }>)[logicalId(construct)];
  if (resource === undefined) throw new Error(`${construct.node.path} is not in the template`);
  return resource.Properties;
}

function environmentOf(template: Template, provider: CibaProvider, name: HandlerName): Record<string, unknown> {
  return (propertiesOf(template, fnOf(provider, name)) as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
}

/** The event source mappings of one function. */
function mappingsOf(template: Template, provider: CibaProvider, name: HandlerName): Json[] {
  const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
    Properties: { FunctionName: { Ref: logicalId(fnOf(provider, name)) } },
  });
  return Object.values(mappings).map((mapping) => mapping.Properties as Json);
}

// ---------------------------------------------------------------------------------------------------

describe('The table stream', () => {
  it('is on, with old and new images, when ping or push is offered', () => {
    byDefault.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('feeds the dispatcher: from the latest record, bisecting failed batches, failures recorded', () => {
    const provider = notifying.provider;
    const [mapping, ...others] = mappingsOf(byDefault, provider, dispatcherName);
    expect(others).toEqual([]);
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(provider.table), 'StreamArn'] },
      StartingPosition: 'LATEST',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: { OnFailure: { Destination: arnOf(provider.streamFailureQueue!) } },
    });
    expect(mapping?.BatchSize).toBeGreaterThanOrEqual(1);
    expect(mapping?.BatchSize).toBeLessThanOrEqual(100);
  });

  it('passes the dispatcher only authentication requests of ping or push clients, and new ones with phones to push to', () => {
    const [mapping] = mappingsOf(byDefault, notifying.provider, dispatcherName);
    const { Filters } = (mapping as { FilterCriteria: { Filters: { Pattern: string }[] } }).FilterCriteria;
    expect(Filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      {
        dynamodb: {
          NewImage: {
            pk: { S: [{ prefix: keyPrefix.authRequest }] },
            deliveryMode: { S: ['ping', 'push'] },
          },
        },
      },
      {
        eventName: ['INSERT'],
        dynamodb: {
          NewImage: {
            pk: { S: [{ prefix: keyPrefix.authRequest }] },
            pushTargets: [{ exists: true }],
          },
        },
      },
    ]);
  });
});

describe('The delivery queue', () => {
  it('feeds the delivery function, which reports the jobs that failed', () => {
    const provider = notifying.provider;
    const [mapping, ...others] = mappingsOf(byDefault, provider, deliveryName);
    expect(others).toEqual([]);
    expect(mapping).toMatchObject({
      EventSourceArn: arnOf(provider.deliveryQueue!),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(mapping?.BatchSize).toBeGreaterThanOrEqual(1);
    expect(mapping?.BatchSize).toBeLessThanOrEqual(10);
  });

  it('moves a job the function kept failing on to a dead-letter queue after 5 receives', () => {
    const provider = notifying.provider;
    expect(propertiesOf(byDefault, provider.deliveryQueue!)).toMatchObject({
      RedrivePolicy: { deadLetterTargetArn: arnOf(provider.deliveryDeadLetterQueue!), maxReceiveCount: 5 },
      MessageRetentionPeriod: 4 * 86_400,
    });
    expect(propertiesOf(byDefault, provider.deliveryDeadLetterQueue!)).toMatchObject({ MessageRetentionPeriod: 14 * 86_400 });
    expect(propertiesOf(byDefault, provider.streamFailureQueue!)).toMatchObject({ MessageRetentionPeriod: 14 * 86_400 });
  });

  it('hides a job for at least six times the delivery function timeout, which covers a whole batch', () => {
    const provider = notifying.provider;
    const { Timeout } = propertiesOf(byDefault, fnOf(provider, deliveryName)) as { Timeout: number };
    const [mapping] = mappingsOf(byDefault, provider, deliveryName);
    expect(Timeout).toBeGreaterThanOrEqual(30);
    // The function takes its jobs one after another, each up to CIBA_DELIVERY_TIMEOUT_MS on the wire.
    expect(Timeout * 1000).toBeGreaterThan((mapping?.BatchSize as number) * DEFAULT_DELIVERY_TIMEOUT_MS);
    const { VisibilityTimeout } = propertiesOf(byDefault, provider.deliveryQueue!) as { VisibilityTimeout: number };
    expect(VisibilityTimeout).toBeGreaterThanOrEqual(6 * Timeout);
  });

  it('gives the dispatcher 30 s', () => {
    expect(propertiesOf(byDefault, fnOf(notifying.provider, dispatcherName))).toMatchObject({ Timeout: 30 });
  });
});

describe('The notification queues', () => {
  it('are three, unnamed, encrypted with SQS-managed keys, and refuse plain-text connections', () => {
    byDefault.resourceCountIs('AWS::SQS::Queue', 3);
    byDefault.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, QueueName: Match.absent() });
    byDefault.resourceCountIs('AWS::SQS::QueuePolicy', 3);
    byDefault.allResourcesProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('are retained with the rest of the provider state by default', () => {
    byDefault.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('The notification workers', () => {
  it('have no API method and no API Gateway invoke permission', () => {
    const provider = notifying.provider;
    const text = JSON.stringify({
      methods: byDefault.findResources('AWS::ApiGateway::Method'),
      permissions: byDefault.findResources('AWS::Lambda::Permission'),
    });
    // The route functions are found this way, the workers are not.
    expect(text).toContain(`"${logicalId(fnOf(provider, 'token'))}"`);
    for (const name of workers) {
      expect(text, name).not.toContain(`"${logicalId(fnOf(provider, name))}"`);
    }
  });

  it('let the delivery function send to the delivery queue, sign, and write the table', () => {
    const provider = notifying.provider;
    const statements = statementsOf(byDefault, provider, deliveryName);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Action: expect.arrayContaining(['sqs:SendMessage']), Resource: arnOf(provider.deliveryQueue!) }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: arnOf(provider.signingKeys.wrappingKey!) }),
    );
    expect(statements.flatMap(actionsOf)).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem']));
  });

  it('let the dispatcher read the stream and send to the queues, and nothing else', () => {
    const provider = notifying.provider;
    const statements = statementsOf(byDefault, provider, dispatcherName);
    const actions = statements.flatMap(actionsOf);
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'kms:Sign']) {
      expect(actions).not.toContain(action);
    }
    expect(actions.filter((action) => action.startsWith('kms:') || action.startsWith('secretsmanager:'))).toEqual([]);
    // Its DynamoDB actions are the stream's, on the stream.
    for (const statement of statements.filter((s) => actionsOf(s).some((action) => action.startsWith('dynamodb:')))) {
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [logicalId(provider.table), 'StreamArn'] });
    }
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream']));
    // SendMessage to the delivery queue (its jobs) and to the stream-failures queue (Lambda's on-failure record).
    const sendsTo = statements.filter((s) => actionsOf(s).includes('sqs:SendMessage')).map((s) => s.Resource);
    expect(sendsTo).toEqual(expect.arrayContaining([arnOf(provider.deliveryQueue!), arnOf(provider.streamFailureQueue!)]));
    expect(actions).not.toContain('sqs:ReceiveMessage');
  });

  it('tell only the functions that send to the delivery queue where it is', () => {
    const provider = notifying.provider;
    for (const [name, spec] of allHandlers.filter(([, spec]) => spec.feature === undefined)) {
      const environment = environmentOf(byDefault, provider, name);
      if (spec.access.deliveryQueue === 'send') {
        expect(environment.CIBA_DELIVERY_QUEUE_URL, name).toEqual({ Ref: logicalId(provider.deliveryQueue!) });
      } else {
        expect(environment, name).not.toHaveProperty('CIBA_DELIVERY_QUEUE_URL');
      }
      expect(environment.CIBA_DELIVERY_MODES, name).toBe('poll ping push');
      // Unset: lambdas/config.ts keeps its defaults.
      for (const variable of ['CIBA_DELIVERY_MAX_ATTEMPTS', 'CIBA_DELIVERY_BASE_DELAY_MS', 'CIBA_DELIVERY_MAX_DELAY_MS', 'CIBA_DELIVERY_TIMEOUT_MS', 'CIBA_DEFAULT_PROFILE']) {
        expect(environment, name).not.toHaveProperty(variable);
      }
    }
  });
});

describe('Local runner settings', () => {
  it('are set on no function of any provider', () => {
    for (const template of [byDefault, poll, withSettings]) {
      for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
        const variables = (fn.Properties as { Environment: { Variables: Json } }).Environment.Variables;
        for (const variable of ['CIBA_ALLOW_HTTP_CLIENT_URLS', 'CIBA_ALLOW_LOOPBACK_NOTIFICATIONS', 'CIBA_DELIVERY_QUEUE']) {
          expect(variables).not.toHaveProperty(variable);
        }
      }
    }
  });
});

describe('A poll-only provider', () => {
  it('has no notification workers, queues, stream or event source mappings', () => {
    for (const name of workers) expect(pollOnly.provider.functions[name], name).toBeUndefined();
    // The signing key rotation runs whatever the delivery modes.
    const expectedFunctions = allHandlers.filter(([, spec]) => spec.feature === undefined && (spec.trigger === undefined || spec.trigger === 'signingKeySchedule')).length;
    poll.resourceCountIs('AWS::Lambda::Function', expectedFunctions);
    poll.resourceCountIs('AWS::SQS::Queue', 0);
    poll.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    poll.hasResourceProperties('AWS::DynamoDB::GlobalTable', { StreamSpecification: Match.absent() });
    expect(pollOnly.provider.deliveryQueue).toBeUndefined();
    expect(pollOnly.provider.deliveryDeadLetterQueue).toBeUndefined();
    expect(pollOnly.provider.streamFailureQueue).toBeUndefined();
  });

  it('offers only poll', () => {
    for (const fn of Object.values(poll.findResources('AWS::Lambda::Function'))) {
      const variables = (fn.Properties as { Environment: { Variables: Json } }).Environment.Variables;
      expect(variables.CIBA_DELIVERY_MODES).toBe('poll');
      expect(variables).not.toHaveProperty('CIBA_DELIVERY_QUEUE_URL');
    }
  });

  it('outputs no queue URLs', () => {
    const outputs = Object.keys(poll.findOutputs('*'));
    expect(outputs).not.toContain('DeliveryDeadLetterQueueUrl');
    expect(outputs).not.toContain('StreamFailureQueueUrl');
  });
});

describe('Delivery settings', () => {
  it('reach every function, and only when given', () => {
    for (const name of Object.keys(tuned.functions) as HandlerName[]) {
      expect(environmentOf(withSettings, tuned, name), name).toMatchObject({
        CIBA_DELIVERY_MODES: 'poll push',
        CIBA_DELIVERY_MAX_ATTEMPTS: '5',
        CIBA_DELIVERY_BASE_DELAY_MS: '500',
        CIBA_DELIVERY_MAX_DELAY_MS: '60000',
        CIBA_DELIVERY_TIMEOUT_MS: '10000',
        CIBA_DEFAULT_PROFILE: 'fapi',
      });
    }
  });

  it('deploy the workers when push alone of the notifying modes is offered', () => {
    for (const name of workers) expect(tuned.functions[name], name).toBeDefined();
    withSettings.resourceCountIs('AWS::SQS::Queue', 3);
  });

  it('lengthen the delivery function timeout and the queue visibility timeout with the attempt timeout', () => {
    const { Timeout } = propertiesOf(withSettings, fnOf(tuned, deliveryName)) as { Timeout: number };
    const [mapping] = mappingsOf(withSettings, tuned, deliveryName);
    expect(Timeout * 1000).toBeGreaterThan((mapping?.BatchSize as number) * 10_000);
    const { VisibilityTimeout } = propertiesOf(withSettings, tuned.deliveryQueue!) as { VisibilityTimeout: number };
    expect(VisibilityTimeout).toBeGreaterThanOrEqual(6 * Timeout);
  });
});

describe('CibaProviderStack notification outputs', () => {
  it('outputs the delivery dead-letter and stream-failure queue URLs', () => {
    const provider = notifying.provider;
    byDefault.hasOutput('DeliveryDeadLetterQueueUrl', { Value: { Ref: logicalId(provider.deliveryDeadLetterQueue!) } });
    byDefault.hasOutput('StreamFailureQueueUrl', { Value: { Ref: logicalId(provider.streamFailureQueue!) } });
  });
});

describe('Notification validation', () => {
  // Rejected before any function is created, so these cost no bundling.
  it('rejects an empty list of delivery modes', () => {
    const stack = new Stack(new App(), 'Invalid');
    expect(() => new CibaProvider(stack, 'Provider', { deliveryModes: [] })).toThrow(/deliveryModes/);
  });

  it('rejects delivery settings the functions would refuse, at synth time', () => {
    const stack = new Stack(new App(), 'Invalid');
    expect(() => new CibaProvider(stack, 'Provider', { delivery: { baseDelayMs: 5000, maxDelayMs: 1000 } })).toThrow(/CIBA_DELIVERY_BASE_DELAY_MS/);
    expect(() => new CibaProvider(new Stack(new App(), 'Invalid'), 'Provider', { delivery: { timeoutMs: 60_000 } })).toThrow(/CIBA_DELIVERY_TIMEOUT_MS/);
  });

  it('fails validation when anyone sets a local runner setting on a function', () => {
    // Runs after every template above was synthesized: the change must not reach them.
    const provider = tuned;
    expect(provider.node.validate()).toEqual([]);
    for (const variable of LOCAL_ONLY_VARIABLES) fnOf(provider, deliveryName).addEnvironment(variable, 'true');
    const errors = provider.node.validate();
    expect(errors).toHaveLength(LOCAL_ONLY_VARIABLES.length);
    for (const variable of LOCAL_ONLY_VARIABLES) expect(errors.join('\n')).toContain(variable);
  });
});
