/**
 * Operating the provider, checked on the synthesized templates: the alarms and dashboard
 * (cdk/monitoring.ts), API Gateway throttling, logging and tracing, and the WAF web ACL
 * (cdk/api-protection.ts).
 *
 * One App, synthesized once (see ciba-provider.test.ts). Resources are found by type and properties or by
 * the logical ID CDK computes for a construct; no test spells out a hashed logical ID.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { CibaWebAcl } from '../../cdk/api-protection.js';
import { CibaProvider } from '../../cdk/ciba-provider.js';
import { handlers, type HandlerName, type HandlerSpec } from '../../lambdas/routes.js';

const WEB_ACL_ARN = 'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/shared/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';

let app: App;
let defaultStack: Stack;
let provider: CibaProvider;
let tunedStack: Stack;
let tuned: CibaProvider;
let topic: sns.Topic;
let pollOnlyStack: Stack;
let pollOnly: CibaProvider;
let sharedAclStack: Stack;
let byDefault: Template;
let withOptions: Template;
let withPollOnly: Template;
let withSharedAcl: Template;

beforeAll(() => {
  app = new App();
  defaultStack = new Stack(app, 'OpsDefault');
  provider = new CibaProvider(defaultStack, 'Provider');
  tunedStack = new Stack(app, 'OpsTuned');
  topic = new sns.Topic(tunedStack, 'Alarms');
  tuned = new CibaProvider(tunedStack, 'Provider', {
    serviceName: 'ciba-eu',
    monitoring: { alarmTopic: topic, deliveryFailuresThreshold: 3 },
    throttling: { stage: { rateLimit: 40, burstLimit: 80 }, methods: { 'POST /bc-authorize': { rateLimit: 20, burstLimit: 40 } } },
    webAcl: { rateLimitPer5Minutes: 1200, managedRules: true },
  });
  pollOnlyStack = new Stack(app, 'OpsPollOnly');
  pollOnly = new CibaProvider(pollOnlyStack, 'Provider', { deliveryModes: ['poll'], monitoring: false, apiLogging: false });
  sharedAclStack = new Stack(app, 'OpsSharedAcl');
  new CibaProvider(sharedAclStack, 'Provider', { deliveryModes: ['poll'], webAcl: { arn: WEB_ACL_ARN }, apiGatewayCloudWatchRole: true });
  byDefault = Template.fromStack(defaultStack);
  withOptions = Template.fromStack(tunedStack);
  withPollOnly = Template.fromStack(pollOnlyStack);
  withSharedAcl = Template.fromStack(sharedAclStack);
}, 240_000);

function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild as CfnElement | undefined;
  if (resource === undefined) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(resource);
}

const deployedByDefault = (Object.entries(handlers) as [HandlerName, HandlerSpec][]).filter(([, spec]) => spec.feature === undefined).map(([name]) => name);

type Alarm = { Properties: Record<string, unknown> };
const alarmsOf = (template: Template): Alarm[] => Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];

describe('alarms', () => {
  it('watch every function for errors and throttles', () => {
    for (const name of deployedByDefault) {
      const fn = { Ref: logicalId(provider.functions[name]!) };
      for (const metricName of ['Errors', 'Throttles']) {
        byDefault.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metricName,
          Dimensions: [{ Name: 'FunctionName', Value: fn }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
      }
    }
    expect(Object.keys(provider.monitoring!.functionErrors).sort()).toEqual([...deployedByDefault].sort());
  });

  it('watch the API for 5XX answers, selected by the API name', () => {
    byDefault.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Dimensions: [{ Name: 'ApiName', Value: Match.stringLikeRegexp('Provider') }],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });

  it('give two providers in one account different API names, so their metrics do not mix', () => {
    const names = [provider, tuned].map((each) => Stack.of(each).resolve((each.api.node.defaultChild as { name?: string }).name));
    expect(new Set(names).size).toBe(2);
  });

  it('watch the dead-letter and stream-failures queues for any message', () => {
    for (const queue of [provider.deliveryDeadLetterQueue!, provider.streamFailureQueue!]) {
      byDefault.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
      });
    }
  });

  it('watch the table for throttles and system errors of the operations the functions use', () => {
    const expressionAlarms = alarmsOf(byDefault).filter((alarm) => alarm.Properties.Metrics !== undefined);
    const metricNames = expressionAlarms.map((alarm) =>
      new Set((alarm.Properties.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[]).flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric.MetricName] : []))),
    );
    expect(metricNames.map((names) => [...names])).toEqual(expect.arrayContaining([['ThrottledRequests'], ['SystemErrors']]));
  });

  it('watch DeliveryFailures in namespace CIBA for this service, with the threshold given', () => {
    byDefault.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CIBA',
      MetricName: 'DeliveryFailures',
      Dimensions: [{ Name: 'service', Value: 'OpsDefault' }],
      Threshold: 10,
    });
    withOptions.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CIBA',
      MetricName: 'DeliveryFailures',
      Dimensions: [{ Name: 'service', Value: 'ciba-eu' }],
      Threshold: 3,
    });
    expect(provider.serviceName).toBe('OpsDefault');
    expect(tuned.serviceName).toBe('ciba-eu');
  });

  it('notify the topic on ALARM and OK when one is given, and nobody otherwise', () => {
    const topicRef = { Ref: logicalId(topic) };
    const tunedAlarms = alarmsOf(withOptions);
    expect(tunedAlarms.length).toBe(tuned.monitoring!.alarms.length);
    for (const alarm of tunedAlarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
      expect(alarm.Properties.OKActions).toEqual([topicRef]);
    }
    for (const alarm of alarmsOf(byDefault)) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });

  it('name their runbook section in docs/operations.md', () => {
    for (const alarm of alarmsOf(byDefault)) expect(alarm.Properties.AlarmDescription).toMatch(/Runbook: docs\/operations\.md#[a-z0-9-]+$/);
  });

  it('are absent with monitoring off, and a poll-only provider has no queue alarms', () => {
    withPollOnly.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    withPollOnly.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(pollOnly.monitoring).toBeUndefined();
    const sharedAclAlarms = alarmsOf(withSharedAcl);
    expect(sharedAclAlarms.length).toBeGreaterThan(0);
    expect(sharedAclAlarms.filter((alarm) => alarm.Properties.Namespace === 'AWS/SQS' || alarm.Properties.Namespace === 'CIBA')).toEqual([]);
  });
});

describe('dashboard', () => {
  it('shows the API, functions, table, queues and deliveries', () => {
    const dashboards = byDefault.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(Object.values(dashboards)[0]!.Properties);
    for (const needle of ['5XXError', '4XXError', 'Latency', 'Duration', 'Throttles', 'ConsumedReadCapacityUnits', 'ThrottledRequests', 'ApproximateNumberOfMessagesVisible', 'DeliveryFailures', 'stats count(*)']) {
      expect(body).toContain(needle);
    }
  });
});

describe('API Gateway stage', () => {
  it('throttles every method by default, POST /token and POST /register with limits of their own', () => {
    byDefault.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, LoggingLevel: 'ERROR' }),
        Match.objectLike({ HttpMethod: 'POST', ResourcePath: '/~1token', ThrottlingRateLimit: 250, ThrottlingBurstLimit: 500, LoggingLevel: 'ERROR' }),
        Match.objectLike({ HttpMethod: 'POST', ResourcePath: '/~1register', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10, LoggingLevel: 'ERROR' }),
      ]),
    });
  });

  it('takes the limits given instead', () => {
    const stages = Object.values(withOptions.findResources('AWS::ApiGateway::Stage'));
    const settings = (stages[0]!.Properties as { MethodSettings: Record<string, unknown>[] }).MethodSettings;
    expect(settings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ HttpMethod: '*', ThrottlingRateLimit: 40, ThrottlingBurstLimit: 80 }),
        expect.objectContaining({ HttpMethod: 'POST', ResourcePath: '/~1bc-authorize', ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }),
      ]),
    );
    expect(settings.some((setting) => setting.ResourcePath === '/~1token')).toBe(false);
  });

  it('refuses a method limit for a route that does not exist', () => {
    const stack = new Stack(new App(), 'Misspelt');
    expect(() => new CibaProvider(stack, 'Provider', { deliveryModes: ['poll'], throttling: { methods: { 'POST /tokens': { rateLimit: 1, burstLimit: 1 } } } })).toThrow(
      /throttling\.methods\['POST \/tokens'\] names no route/,
    );
  });

  it('writes a JSON access log line per request to a log group of its own, without the requested path', () => {
    byDefault.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(provider.accessLogGroup!), 'Arn'] },
        Format: Match.stringLikeRegexp('"resourcePath":"\\$context.resourcePath"'),
      },
    });
    const stage = Object.values(byDefault.findResources('AWS::ApiGateway::Stage'))[0]!;
    const format = (stage.Properties as { AccessLogSetting: { Format: string } }).AccessLogSetting.Format;
    // Valid JSON once API Gateway substitutes numbers for the unquoted variables.
    const sample = JSON.parse(format.replace(/\$context\.[\w.]+(?=[,}])/g, '1')) as Record<string, unknown>;
    expect(Object.keys(sample)).toEqual(expect.arrayContaining(['requestId', 'ip', 'httpMethod', 'resourcePath', 'status', 'responseLatency']));
    expect(format).not.toContain('$context.path');
    withPollOnly.hasResourceProperties('AWS::ApiGateway::Stage', { AccessLogSetting: Match.absent() });
  });

  it('creates the account-wide API Gateway CloudWatch role only on request', () => {
    byDefault.resourceCountIs('AWS::ApiGateway::Account', 0);
    withSharedAcl.resourceCountIs('AWS::ApiGateway::Account', 1);
  });
});

describe('WAF web ACL', () => {
  it('is absent by default', () => {
    byDefault.resourceCountIs('AWS::WAFv2::WebACL', 0);
    byDefault.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  it('limits each IP address and applies the AWS common rule set, User-Agent rule counting only', () => {
    withOptions.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({ Name: 'RateLimitPerIp', Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 1200, AggregateKeyType: 'IP' } } }),
        Match.objectLike({
          Name: 'AWSManagedRulesCommonRuleSet',
          OverrideAction: { None: {} },
          Statement: {
            ManagedRuleGroupStatement: {
              VendorName: 'AWS',
              Name: 'AWSManagedRulesCommonRuleSet',
              RuleActionOverrides: [{ Name: 'NoUserAgent_HEADER', ActionToUse: { Count: {} } }],
            },
          },
        }),
      ],
    });
  });

  it('is associated with the stage, created or given by ARN', () => {
    const stageArn = (stack: Stack, api: CibaProvider['api']): unknown => stack.resolve(api.deploymentStage.stageArn);
    withOptions.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: stageArn(tunedStack, tuned.api),
      WebACLArn: { 'Fn::GetAtt': [tunedStack.getLogicalId(tuned.webAcl!.webAcl!), 'Arn'] },
    });
    withSharedAcl.resourceCountIs('AWS::WAFv2::WebACL', 0);
    withSharedAcl.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: WEB_ACL_ARN });
  });

  it('refuses a rate limit WAF would refuse', () => {
    // On a bare API: the check needs no provider (and no bundling).
    const stack = new Stack(new App(), 'BadLimit');
    const api = new apigateway.RestApi(stack, 'Api');
    api.root.addMethod('GET', new apigateway.MockIntegration());
    for (const rateLimitPer5Minutes of [5, 2.5, 3_000_000_000]) {
      expect(() => new CibaWebAcl(stack, `WebAcl${rateLimitPer5Minutes}`, { stage: api.deploymentStage, options: { rateLimitPer5Minutes } })).toThrow(/rateLimitPer5Minutes/);
    }
    expect(() => new CibaWebAcl(stack, 'WebAclOk', { stage: api.deploymentStage, options: { rateLimitPer5Minutes: 10 } })).not.toThrow();
  });
});

describe('table permissions', () => {
  it('name the list index instead of every index', () => {
    const policies = JSON.stringify(byDefault.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain('/index/*');
    expect(policies).toContain('/index/lists');
  });
});
