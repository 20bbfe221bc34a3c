/**
 * The CDK app (cdk.json: `npx tsx cdk/app.ts`).
 *
 *   npx cdk synth                                   # stack CibaProvider, optional features off
 *   npx cdk deploy -c simulator=true -c automatedApproval=true -c stackName=CibaConformance
 *   npx cdk deploy -c deliveryModes=poll            # poll only: no stream, queues or notification workers
 *
 * Context is read here and nowhere else; the stack and construct take typed props.
 */
import { App } from 'aws-cdk-lib';
import type { DeliveryMode } from '../lambdas/config.js';
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

const stackName: unknown = app.node.tryGetContext('stackName') ?? 'CibaProvider';
if (typeof stackName !== 'string') throw new Error(`context stackName must be a string, got ${JSON.stringify(stackName)}`);

// No `env`: an environment-agnostic stack synthesizes without credentials and deploys to the
// account and region of whoever runs `cdk deploy`.
new CibaProviderStack(app, stackName, {
  description: 'Serverless OpenID Connect CIBA provider',
  provider: {
    features: { simulator: flag('simulator'), automatedApproval: flag('automatedApproval') },
    ...(modes !== undefined ? { deliveryModes: modes } : {}),
  },
});
