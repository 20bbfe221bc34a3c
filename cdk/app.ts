/**
 * The CDK app (cdk.json: `npx tsx cdk/app.ts`).
 *
 *   npx cdk synth                                   # stack CibaProvider, optional features off
 *   npx cdk deploy -c simulator=true -c automatedApproval=true -c stackName=CibaConformance
 *   npx cdk deploy -c deliveryModes=poll            # poll only: no stream, queues or notification workers
 *   npx cdk deploy -c pushFcmSecretArn=arn:aws:secretsmanager:...:secret:ciba/fcm-AbCdEf \
 *                  -c pushApnsSecretArn=arn:aws:secretsmanager:...:secret:ciba/apns-GhIjKl [-c pushApnsSandbox=true]
 *   npx cdk deploy -c pushApplicationArns='{"FCM":"arn:aws:sns:eu-west-1:111122223333:app/GCM/ciba"}'
 *   npx cdk deploy -c alarmTopicArn=arn:aws:sns:eu-west-1:111122223333:ops -c webAcl=true -c apiGatewayCloudWatchRole=true
 *
 * Context is read here and nowhere else; the stack and construct take typed props.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import type { CibaWebAclOptions } from './api-protection.js';
import type { DeliveryMode } from '../lambdas/config.js';
import type { PushPlatformsProps } from './push-platforms.js';
import { CibaProviderStack } from './ciba-provider-stack.js';

const app = new App();

/** A boolean context flag: `-c name=true` arrives as the string 'true', cdk.json may hold a boolean. */
function flag(name: string): boolean {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new Error(`context ${name} must be true or false, got ${JSON.stringify(value)}`);
}

/** A list in context: `-c deliveryModes="poll ping"` (spaces or commas), or a JSON array in cdk.json. */
function list(name: string): string[] | undefined {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw new Error(`context ${name} must be a list of words, got ${JSON.stringify(value)}`);
}

const DELIVERY_MODES: readonly DeliveryMode[] = ['poll', 'ping', 'push'];
const isDeliveryMode = (mode: string): mode is DeliveryMode => (DELIVERY_MODES as readonly string[]).includes(mode);

/** `-c deliveryModes=poll` for a poll-only provider; unset, the construct's default (all three). */
function deliveryModes(): DeliveryMode[] | undefined {
  const modes = list('deliveryModes');
  if (modes === undefined) return undefined;
  if (modes.length === 0 || !modes.every(isDeliveryMode)) {
    throw new Error(`context deliveryModes must list one or more of ${DELIVERY_MODES.join(', ')}, got ${JSON.stringify(modes)}`);
  }
  return modes;
}
const modes = deliveryModes();

/**
 * Phone push from context (cdk/push-platforms.ts): credentials secrets by their complete ARN (with the
 * random suffix), or existing platform applications as a JSON object by platform. Unset: no phone push.
 */
function push(): PushPlatformsProps | undefined {
  const text = (name: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(name);
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw new Error(`context ${name} must be a string, got ${JSON.stringify(value)}`);
    return value;
  };
  // The complete ARN: the policy names the secret exactly, and a name or partial ARN would not match it.
  const secretArn = (name: string): string | undefined => {
    const arn = text(name);
    if (arn !== undefined && !/^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(arn)) {
      throw new Error(`context ${name} must be a secret's complete ARN, ending in the secret name and its 6-character suffix, got ${arn}`);
    }
    return arn;
  };
  const apnsSecretArn = secretArn('pushApnsSecretArn');
  const fcmSecretArn = secretArn('pushFcmSecretArn');
  let existing: unknown = app.node.tryGetContext('pushApplicationArns');
  if (typeof existing === 'string') {
    try {
      existing = JSON.parse(existing);
    } catch {
      throw new Error(`context pushApplicationArns must be a JSON object such as {"FCM":"arn:aws:sns:...:app/GCM/name"}, got ${existing}`);
    }
  }
  if (existing !== undefined && (existing === null || typeof existing !== 'object' || Array.isArray(existing) || !Object.values(existing).every((arn) => typeof arn === 'string'))) {
    throw new Error(`context pushApplicationArns must map APNS, APNS_SANDBOX or FCM to application ARNs, got ${JSON.stringify(existing)}`);
  }
  if (flag('pushApnsSandbox') && apnsSecretArn === undefined) throw new Error('context pushApnsSandbox needs pushApnsSecretArn');
  if (apnsSecretArn === undefined && fcmSecretArn === undefined && existing === undefined) return undefined;
  // An imported secret needs a stack to live in, and the provider's stack does not exist yet. These are
  // references by literal ARN, so they can live apart: in a stack of an App that is never synthesized
  // (autoSynth off: under the CLI an App writes itself into the cloud assembly on exit).
  const references = new Stack(new App({ autoSynth: false }), 'SecretReferences');
  return {
    ...(apnsSecretArn !== undefined
      ? { apns: { credentialsSecret: Secret.fromSecretCompleteArn(references, 'Apns', apnsSecretArn), sandbox: flag('pushApnsSandbox') } }
      : {}),
    ...(fcmSecretArn !== undefined ? { fcm: { credentialsSecret: Secret.fromSecretCompleteArn(references, 'Fcm', fcmSecretArn) } } : {}),
    ...(existing !== undefined ? { existing: existing as PushPlatformsProps['existing'] } : {}),
  };
}
const pushProps = push();

/**
 * Operations (docs/operations.md): `-c alarmTopicArn=arn:aws:sns:...` notifies a topic of every alarm;
 * `-c webAcl=true` creates a WAF web ACL, `-c webAcl=arn:aws:wafv2:...` associates an existing one.
 */
function operations(): { monitoring?: { alarmTopic: ITopic }; webAcl?: CibaWebAclOptions } {
  const references = new Stack(new App({ autoSynth: false }), 'OperationsReferences');
  const topicArn: unknown = app.node.tryGetContext('alarmTopicArn');
  if (topicArn !== undefined && (typeof topicArn !== 'string' || !/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]{1,256}$/.test(topicArn))) {
    throw new Error(`context alarmTopicArn must be an SNS topic ARN, got ${JSON.stringify(topicArn)}`);
  }
  const webAcl: unknown = app.node.tryGetContext('webAcl');
  let webAclOptions: CibaWebAclOptions | undefined;
  if (typeof webAcl === 'string' && webAcl.startsWith('arn:')) webAclOptions = { arn: webAcl };
  else if (flag('webAcl')) webAclOptions = {};
  return {
    ...(typeof topicArn === 'string' ? { monitoring: { alarmTopic: Topic.fromTopicArn(references, 'AlarmTopic', topicArn) } } : {}),
    ...(webAclOptions !== undefined ? { webAcl: webAclOptions } : {}),
  };
}

const stackName: unknown = app.node.tryGetContext('stackName') ?? 'CibaProvider';
if (typeof stackName !== 'string') throw new Error(`context stackName must be a string, got ${JSON.stringify(stackName)}`);

// No `env`: an environment-agnostic stack synthesizes without credentials and deploys to the
// account and region of whoever runs `cdk deploy`.
new CibaProviderStack(app, stackName, {
  description: 'Serverless OpenID Connect CIBA provider',
  provider: {
    features: { simulator: flag('simulator'), automatedApproval: flag('automatedApproval') },
    ...(modes !== undefined ? { deliveryModes: modes } : {}),
    ...(pushProps !== undefined ? { push: pushProps } : {}),
    ...operations(),
    apiGatewayCloudWatchRole: flag('apiGatewayCloudWatchRole'),
  },
});
