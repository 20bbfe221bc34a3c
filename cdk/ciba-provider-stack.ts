/**
 * The deployable stack: one CIBA provider and the outputs an operator needs after `cdk deploy`.
 *
 * The stack is environment-agnostic (no account or region, no lookups) so `cdk synth` works offline
 * and the same template deploys to any region. Outputs live here, not in the construct, so a stack
 * holding several providers can name its outputs itself.
 */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AUTOMATED_APPROVAL_TEMPLATE } from '../lambdas/routes.js';
import { CibaProvider } from './ciba-provider.js';
import type { CibaProviderProps } from './ciba-provider.js';

export interface CibaProviderStackProps extends StackProps {
  /**
   * Settings of the provider.
   *
   * @default - the CibaProvider defaults (no optional features, RETAIN on stateful resources)
   */
  readonly provider?: CibaProviderProps;
}

export class CibaProviderStack extends Stack {
  public readonly provider: CibaProvider;

  constructor(scope: Construct, id: string, props: CibaProviderStackProps = {}) {
    super(scope, id, props);

    const provider = new CibaProvider(this, 'Provider', props.provider);
    this.provider = provider;

    new CfnOutput(this, 'Issuer', {
      description: 'The issuer identifier; clients discover the endpoints at issuer + /.well-known/openid-configuration',
      value: provider.issuer,
    });
    new CfnOutput(this, 'ApiUrl', { description: 'The API Gateway stage URL', value: provider.api.url });
    new CfnOutput(this, 'TableName', { description: 'The DynamoDB table', value: provider.table.tableName });
    new CfnOutput(this, 'SigningMode', { description: 'Where the token signing keys live (envelope or kms; README, "Signing keys")', value: provider.signingKeys.mode });
    if (provider.signingKeys.wrappingKey) {
      new CfnOutput(this, 'SigningKeyWrappingKeyArn', { description: 'The KMS key the signing keys are encrypted under', value: provider.signingKeys.wrappingKey.keyArn });
    }
    new CfnOutput(this, 'InitialAccessTokenSecretArn', {
      description: 'The secret holding the initial access token for dynamic client registration',
      value: provider.initialAccessToken.secretArn,
    });
    // Ping and push only: where notifications end up when delivering them failed outright. Both should be
    // empty; anything in them is a notification that needs an operator (README, "Poll, ping and push").
    if (provider.deliveryDeadLetterQueue !== undefined) {
      new CfnOutput(this, 'DeliveryDeadLetterQueueUrl', {
        description: 'Notification delivery jobs the delivery function kept failing on (the table or key unavailable)',
        value: provider.deliveryDeadLetterQueue.queueUrl,
      });
    }
    if (provider.streamFailureQueue !== undefined) {
      new CfnOutput(this, 'StreamFailureQueueUrl', {
        description: 'Table stream batches the notification dispatcher kept failing on (replay within 24 h)',
        value: provider.streamFailureQueue.queueUrl,
      });
    }
    if (props.provider?.features?.automatedApproval) {
      new CfnOutput(this, 'AutomatedApprovalUrlTemplate', {
        description: 'automated_ciba_approval_url for the OpenID conformance suite',
        value: `${provider.issuer}${AUTOMATED_APPROVAL_TEMPLATE}`,
      });
    }
  }
}
