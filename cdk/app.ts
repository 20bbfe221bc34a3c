/**
 * The CDK app (cdk.json: `npx tsx cdk/app.ts`).
 *
 *   npx cdk synth                                   # stack CibaProvider, optional features off
 *   npx cdk deploy -c simulator=true -c automatedApproval=true -c stackName=CibaConformance
 *
 * Context is read here and nowhere else; the stack and construct take typed props.
 */
import { App } from 'aws-cdk-lib';
import { CibaProviderStack } from './ciba-provider-stack.js';

const app = new App();

/** A boolean context flag: `-c name=true` arrives as the string 'true', cdk.json may hold a boolean. */
function flag(name: string): boolean {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new Error(`context ${name} must be true or false, got ${JSON.stringify(value)}`);
}

const stackName: unknown = app.node.tryGetContext('stackName') ?? 'CibaProvider';
if (typeof stackName !== 'string') throw new Error(`context stackName must be a string, got ${JSON.stringify(stackName)}`);

// No `env`: an environment-agnostic stack synthesizes without credentials and deploys to the
// account and region of whoever runs `cdk deploy`.
new CibaProviderStack(app, stackName, {
  description: 'Serverless OpenID Connect CIBA provider',
  provider: {
    features: { simulator: flag('simulator'), automatedApproval: flag('automatedApproval') },
  },
});
