/**
 * SNS mobile push: the phone channel when deployed. Each device's push token becomes a platform endpoint
 * under the platform application of its platform (APNs, the APNs sandbox or FCM), and a new request is
 * published to that endpoint.
 *
 * Endpoints are kept the way AWS's guide to mobile token management prescribes (SNS developer guide,
 * "Best practices for managing Amazon SNS mobile application tokens"): create one for a new token; for a
 * known endpoint, read it, re-create it if it was deleted, and give it the new token and enable it again
 * if either is needed. CreatePlatformEndpoint is idempotent only for identical attributes: an endpoint
 * that already holds the token with other attributes (disabled, or another device id) is named in the
 * error, and taken over.
 *
 * What is pushed is a reference and the provider's signature over it (PhoneNotification), never the
 * binding message or payment data: those travel only over the device API, not through Apple's or
 * Google's infrastructure.
 */
import { CreatePlatformEndpointCommand, GetEndpointAttributesCommand, PublishCommand, SetEndpointAttributesCommand } from '@aws-sdk/client-sns';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { PushPlatform } from '../../core/model.js';
import type { PhoneNotification, PushService } from '../../core/ports.js';

/** What a phone shows while the app has not yet fetched the request (the app then shows its own). */
export const PUSH_ALERT = { title: 'Approval requested', body: 'Open the app to review the request' } as const;

/** SNS's error for a token an endpoint already holds with other attributes: the message names the endpoint. */
const EXISTING_ENDPOINT = /Endpoint (arn:aws[\w-]*:sns:\S+) already exists with the same [Tt]oken/;

/** SNS's answer to a Publish to an endpoint that was deleted. */
const NO_SUCH_ENDPOINT = /No endpoint found for the target arn/;

const hasName = (error: unknown, name: string): error is Error => error instanceof Error && error.name === name;

/** The environment variable naming each platform's application (lambdas/config.ts), for error messages. */
const APPLICATION_VARIABLE: Readonly<Record<PushPlatform, string>> = {
  APNS: 'CIBA_SNS_APNS_APPLICATION_ARN',
  APNS_SANDBOX: 'CIBA_SNS_APNS_SANDBOX_APPLICATION_ARN',
  FCM: 'CIBA_SNS_FCM_APPLICATION_ARN',
};

/**
 * The Publish message (MessageStructure 'json'): one payload per platform, each a JSON string, and the
 * `default` text SNS requires. FCM goes through SNS's `GCM` key; the `fcmV1Message` wrapper makes SNS pass
 * the message to the FCM HTTP v1 API as it is (a bare payload would be read as a legacy one, which has no
 * `android` block). High priority: a data message of normal priority may wait for a dozing phone.
 */
export function phoneMessage(notification: PhoneNotification): string {
  const ciba = { auth_req_id: notification.authReqId, signature: notification.signature };
  // mutable-content lets the app's notification service extension check the signature before showing it.
  const apns = JSON.stringify({ aps: { alert: PUSH_ALERT, sound: 'default', 'mutable-content': 1 }, ciba });
  // FCM data values must be strings; the app fetches everything else from the device API.
  const fcm = JSON.stringify({ fcmV1Message: { message: { data: { type: 'ciba', ...ciba }, android: { priority: 'HIGH' } } } });
  return JSON.stringify({ default: PUSH_ALERT.title, APNS: apns, APNS_SANDBOX: apns, GCM: fcm });
}

export class SnsPushService implements PushService {
  constructor(
    private readonly sns: SNSClient,
    private readonly platformApplications: Readonly<Partial<Record<PushPlatform, string>>>,
  ) {}

  supportsPlatform(platform: PushPlatform): boolean {
    return this.platformApplications[platform] !== undefined;
  }

  async registerDevice(device: { readonly deviceId: string; readonly platform: PushPlatform; readonly pushToken: string; readonly endpointArn?: string }): Promise<string> {
    const application = this.applicationOf(device.platform);
    // An endpoint under another application (the deployment's application was replaced) is not reused.
    if (device.endpointArn === undefined || !device.endpointArn.startsWith(`${endpointPrefixOf(application)}/`)) {
      return this.createEndpoint(application, device);
    }
    let attributes: Record<string, string>;
    try {
      attributes = (await this.sns.send(new GetEndpointAttributesCommand({ EndpointArn: device.endpointArn }))).Attributes ?? {};
    } catch (error) {
      // Deleted (by an operator, or with its application): make a new one.
      if (hasName(error, 'NotFoundException')) return this.createEndpoint(application, device);
      throw error;
    }
    // A platform that reports a token invalid makes SNS disable the endpoint; a new token may revive it.
    if (attributes.Token !== device.pushToken || attributes.Enabled?.toLowerCase() !== 'true') {
      await this.sns.send(new SetEndpointAttributesCommand({ EndpointArn: device.endpointArn, Attributes: { Token: device.pushToken, Enabled: 'true' } }));
    }
    return device.endpointArn;
  }

  async notify(target: { readonly platform: PushPlatform; readonly endpointArn: string }, notification: PhoneNotification): Promise<'sent' | 'disabled'> {
    try {
      await this.sns.send(new PublishCommand({ TargetArn: target.endpointArn, MessageStructure: 'json', Message: phoneMessage(notification) }));
      return 'sent';
    } catch (error) {
      // Disabled: APNs or FCM reported the token invalid (the app was removed). A deleted endpoint is no
      // more reachable, and retrying the push will not change that; the next token refresh re-creates it.
      // A disabled platform application (expired credentials) is the operator's problem, not the device's:
      // it propagates, like throttling and every other failure.
      if (hasName(error, 'EndpointDisabledException')) return 'disabled';
      if (hasName(error, 'InvalidParameterException') && NO_SUCH_ENDPOINT.test(error.message)) return 'disabled';
      if (hasName(error, 'NotFoundException')) return 'disabled';
      throw error;
    }
  }

  private applicationOf(platform: PushPlatform): string {
    const application = this.platformApplications[platform];
    if (application === undefined) throw new Error(`SNS push: no platform application is configured for ${platform} (${APPLICATION_VARIABLE[platform]})`);
    return application;
  }

  private async createEndpoint(application: string, device: { readonly deviceId: string; readonly pushToken: string }): Promise<string> {
    let endpointArn: string | undefined;
    try {
      ({ EndpointArn: endpointArn } = await this.sns.send(
        new CreatePlatformEndpointCommand({
          PlatformApplicationArn: application,
          Token: device.pushToken,
          CustomUserData: device.deviceId,
          Attributes: { Enabled: 'true' },
        }),
      ));
    } catch (error) {
      const existing = hasName(error, 'InvalidParameterException') ? EXISTING_ENDPOINT.exec(error.message)?.[1] : undefined;
      if (existing === undefined) throw error;
      // The same token is the same app installation: the endpoint is this device's now, enabled again.
      await this.sns.send(
        new SetEndpointAttributesCommand({ EndpointArn: existing, Attributes: { Token: device.pushToken, Enabled: 'true', CustomUserData: device.deviceId } }),
      );
      return existing;
    }
    if (endpointArn === undefined) throw new Error('SNS CreatePlatformEndpoint returned no EndpointArn');
    return endpointArn;
  }
}

/** arn:aws:sns:region:account:app/GCM/name -> arn:aws:sns:region:account:endpoint/GCM/name */
function endpointPrefixOf(applicationArn: string): string {
  return applicationArn.replace(/:app\//, ':endpoint/');
}
