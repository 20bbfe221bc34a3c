/**
 * Infrastructure security: cdk-nag's AwsSolutions pack over a provider with every feature on (ping and
 * push, phone push through created and existing platform applications, the external service, the
 * simulator, a WAF web ACL, alarms to a topic; automated approval off as in any real deployment).
 *
 * cdk-nag v3 is a CDK policy validation plugin; `validateScope` runs its rules over the construct tree and
 * returns the findings not acknowledged with `Validations.of(...).acknowledge` (cdk/nag.ts). Every
 * deliberate finding is acknowledged in the constructs with its reason, so the report must be empty.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack, Validations } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CibaProviderStack } from '../../cdk/ciba-provider-stack.js';
import { CibaProvider } from '../../cdk/ciba-provider.js';

let report: PolicyValidationPluginReport;
let stack: Stack;
let acknowledged: { id: string; reason: string }[];

/** `Error AwsSolutions-X at path: description`, readable in a failing assertion. */
function findings(result: PolicyValidationPluginReport, severity: string): string[] {
  return result.violations
    .filter((violation) => violation.severity === severity)
    .flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${(resource as { constructPath?: string }).constructPath ?? resource.resourceLogicalId}: ${violation.description}`),
    );
}

beforeAll(() => {
  const app = new App();
  stack = new Stack(app, 'Nag');
  // Secrets the operator owns: their rotation is the operator's business, not the provider's.
  const apnsCredentials = new secretsmanager.Secret(stack, 'ApnsCredentials');
  const serviceCredentials = new secretsmanager.Secret(stack, 'ExternalServiceCredentials');
  for (const secret of [apnsCredentials, serviceCredentials]) {
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'Test fixture: platform and service credentials are issued by Apple and the operator, who rotate them' });
  }
  const alarmTopic = new sns.Topic(stack, 'Alarms', { enforceSSL: true });
  Validations.of(alarmTopic).acknowledge({ id: 'AwsSolutions-SNS2', reason: 'Test fixture: the operator brings the alarm topic' });
  new CibaProvider(stack, 'Provider', {
    features: { simulator: true, automatedApproval: false },
    deliveryModes: ['poll', 'ping', 'push'],
    push: {
      apns: { credentialsSecret: apnsCredentials },
      existing: { FCM: 'arn:aws:sns:eu-west-1:111122223333:app/GCM/ciba-android' },
    },
    acrPolicies: {
      ciba: { channel: 'device', userVerification: 'optional' },
      'bank-app': { channel: 'external', userVerification: 'required' },
    },
    externalService: { url: 'https://auth-service.example.com', auth: 'basic', credentialsSecret: serviceCredentials },
    webAcl: { rateLimitPer5Minutes: 3000 },
    monitoring: { alarmTopic },
  });
  report = new AwsSolutionsChecks(app).validateScope(stack);
  acknowledged = stack.node
    .findAll()
    .flatMap((construct) => construct.node.metadata)
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ id, reason })));
}, 240_000);

describe('cdk-nag AwsSolutions on a provider with every feature on', () => {
  it('reports no unacknowledged error', () => {
    expect(findings(report, 'error')).toEqual([]);
  });

  it('reports no unacknowledged warning', () => {
    expect(findings(report, 'warning')).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges findings one rule at a time, each with a reason of its own', () => {
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledged) {
      // A rule id, never a wildcard over all of a pack's rules.
      expect(id).toMatch(/^(annotation::)?AwsSolutions-[A-Z]+\d+(\[.+\])?$/i);
      expect(reason.length, id).toBeGreaterThan(40);
    }
  });

  it('still reports what nobody acknowledged: the rules run over this app', () => {
    // The control: the same pack over a bare queue in the same app finds SQS3 and SQS4.
    const bare = new Stack(stack.node.scope as App, 'BareQueue');
    new sqs.Queue(bare, 'Queue');
    const result = new AwsSolutionsChecks(bare.node.scope as App).validateScope(bare);
    expect(result.violations.map((violation) => violation.ruleName)).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });
});

describe('cdk-nag AwsSolutions on the default stack (cdk/app.ts without context)', () => {
  it('reports nothing either: the acknowledgements follow the features, WAF off included', () => {
    const app = new App();
    const defaultStack = new CibaProviderStack(app, 'Default');
    const result = new AwsSolutionsChecks(app).validateScope(defaultStack);
    expect([...findings(result, 'error'), ...findings(result, 'warning')]).toEqual([]);
  }, 240_000);
});
