/**
 * The SNS push adapter at the SDK boundary: SNSClient is mocked (aws-sdk-client-mock), the errors are the
 * SDK's own exception classes with the messages SNS sends.
 */
import {
  CreatePlatformEndpointCommand,
  EndpointDisabledException,
  GetEndpointAttributesCommand,
  InvalidParameterException,
  NotFoundException,
  PlatformApplicationDisabledException,
  PublishCommand,
  SetEndpointAttributesCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { PUSH_ALERT, SnsPushService } from '../../../lambdas/adapters/push/sns-push-service.js';
import type { PushPlatform } from '../../../lambdas/core/model.js';

const PREFIX = 'arn:aws:sns:eu-west-1:111122223333';
const APPLICATIONS: Record<PushPlatform, string> = {
  APNS: `${PREFIX}:app/APNS/ciba-ios`,
  APNS_SANDBOX: `${PREFIX}:app/APNS_SANDBOX/ciba-ios-dev`,
  FCM: `${PREFIX}:app/GCM/ciba-android`,
};
const endpointOf = (platform: PushPlatform, id: string): string => `${APPLICATIONS[platform].replace(':app/', ':endpoint/')}/${id}`;

const TOKEN = 'f'.repeat(64);
const NEW_TOKEN = 'e'.repeat(64);

const sns = mockClient(SNSClient);
afterAll(() => sns.restore());

const metadata = { $metadata: {} };

function service(applications: Partial<Record<PushPlatform, string>> = APPLICATIONS): SnsPushService {
  return new SnsPushService(new SNSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), applications);
}

beforeEach(() => {
  sns.reset();
});

describe('registerDevice, a new token', () => {
  it.each(['APNS', 'APNS_SANDBOX', 'FCM'] as const)('creates an enabled %s endpoint under that platform\'s application, the device id as user data', async (platform) => {
    const created = endpointOf(platform, '0b6c-1');
    sns.on(CreatePlatformEndpointCommand).resolves({ EndpointArn: created });

    await expect(service().registerDevice({ deviceId: 'device-1', platform, pushToken: TOKEN })).resolves.toBe(created);

    const calls = sns.commandCalls(CreatePlatformEndpointCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      PlatformApplicationArn: APPLICATIONS[platform],
      Token: TOKEN,
      CustomUserData: 'device-1',
      Attributes: { Enabled: 'true' },
    });
    expect(sns.commandCalls(SetEndpointAttributesCommand)).toHaveLength(0);
  });

  it('takes over the endpoint that already holds the token with other attributes, enabled, with the new device id', async () => {
    const existing = endpointOf('FCM', '5a1e-7');
    sns.on(CreatePlatformEndpointCommand).rejects(
      new InvalidParameterException({
        ...metadata,
        message: `Invalid parameter: Token Reason: Endpoint ${existing} already exists with the same Token, but different attributes.`,
      }),
    );
    sns.on(SetEndpointAttributesCommand).resolves({});

    await expect(service().registerDevice({ deviceId: 'device-2', platform: 'FCM', pushToken: TOKEN })).resolves.toBe(existing);

    const sets = sns.commandCalls(SetEndpointAttributesCommand);
    expect(sets).toHaveLength(1);
    expect(sets[0]!.args[0].input).toEqual({ EndpointArn: existing, Attributes: { Token: TOKEN, Enabled: 'true', CustomUserData: 'device-2' } });
  });

  it('lets other invalid parameters fail', async () => {
    sns.on(CreatePlatformEndpointCommand).rejects(new InvalidParameterException({ ...metadata, message: 'Invalid parameter: Token Reason: iOS device tokens must be no more than 400 hexadecimal characters' }));
    await expect(service().registerDevice({ deviceId: 'device-1', platform: 'APNS', pushToken: 'x' })).rejects.toThrow(/no more than 400/);
    expect(sns.commandCalls(SetEndpointAttributesCommand)).toHaveLength(0);
  });

  it('fails naming the platform when it has no application', async () => {
    const fcmOnly = service({ FCM: APPLICATIONS.FCM });
    await expect(fcmOnly.registerDevice({ deviceId: 'device-1', platform: 'APNS_SANDBOX', pushToken: TOKEN })).rejects.toThrow(/APNS_SANDBOX.*CIBA_SNS_APNS_SANDBOX_APPLICATION_ARN/);
    await expect(fcmOnly.registerDevice({ deviceId: 'device-1', platform: 'APNS', pushToken: TOKEN, endpointArn: endpointOf('APNS', 'x') })).rejects.toThrow(/APNS/);
    expect(sns.calls()).toHaveLength(0);
  });
});

describe('registerDevice, a token refresh of a known endpoint', () => {
  const endpointArn = endpointOf('APNS', '9d2f-3');

  it('gives an endpoint whose token changed the new token, enabled', async () => {
    sns.on(GetEndpointAttributesCommand).resolves({ Attributes: { Token: TOKEN, Enabled: 'true', CustomUserData: 'device-1' } });
    sns.on(SetEndpointAttributesCommand).resolves({});

    await expect(service().registerDevice({ deviceId: 'device-1', platform: 'APNS', pushToken: NEW_TOKEN, endpointArn })).resolves.toBe(endpointArn);

    expect(sns.commandCalls(GetEndpointAttributesCommand, { EndpointArn: endpointArn })).toHaveLength(1);
    const sets = sns.commandCalls(SetEndpointAttributesCommand);
    expect(sets).toHaveLength(1);
    expect(sets[0]!.args[0].input).toEqual({ EndpointArn: endpointArn, Attributes: { Token: NEW_TOKEN, Enabled: 'true' } });
    expect(sns.commandCalls(CreatePlatformEndpointCommand)).toHaveLength(0);
  });

  it('enables a disabled endpoint again, even with the same token', async () => {
    sns.on(GetEndpointAttributesCommand).resolves({ Attributes: { Token: TOKEN, Enabled: 'false' } });
    sns.on(SetEndpointAttributesCommand).resolves({});

    await expect(service().registerDevice({ deviceId: 'device-1', platform: 'APNS', pushToken: TOKEN, endpointArn })).resolves.toBe(endpointArn);

    expect(sns.commandCalls(SetEndpointAttributesCommand)[0]?.args[0].input).toEqual({ EndpointArn: endpointArn, Attributes: { Token: TOKEN, Enabled: 'true' } });
  });

  it('leaves an enabled endpoint with the same token alone', async () => {
    sns.on(GetEndpointAttributesCommand).resolves({ Attributes: { Token: TOKEN, Enabled: 'true' } });

    await expect(service().registerDevice({ deviceId: 'device-1', platform: 'APNS', pushToken: TOKEN, endpointArn })).resolves.toBe(endpointArn);

    expect(sns.commandCalls(SetEndpointAttributesCommand)).toHaveLength(0);
    expect(sns.commandCalls(CreatePlatformEndpointCommand)).toHaveLength(0);
  });

  it('re-creates a deleted endpoint', async () => {
    const recreated = endpointOf('APNS', 'new-1');
    sns.on(GetEndpointAttributesCommand).rejects(new NotFoundException({ ...metadata, message: 'Endpoint does not exist' }));
    sns.on(CreatePlatformEndpointCommand).resolves({ EndpointArn: recreated });

    await expect(service().registerDevice({ deviceId: 'device-1', platform: 'APNS', pushToken: NEW_TOKEN, endpointArn })).resolves.toBe(recreated);

    expect(sns.commandCalls(CreatePlatformEndpointCommand)[0]?.args[0].input).toEqual({
      PlatformApplicationArn: APPLICATIONS.APNS,
      Token: NEW_TOKEN,
      CustomUserData: 'device-1',
      Attributes: { Enabled: 'true' },
    });
    expect(sns.commandCalls(SetEndpointAttributesCommand)).toHaveLength(0);
  });

  it('makes a new endpoint when the known one belongs to another application', async () => {
    const recreated = endpointOf('APNS', 'new-2');
    sns.on(CreatePlatformEndpointCommand).resolves({ EndpointArn: recreated });

    const elsewhere = `${PREFIX}:endpoint/APNS/retired-app/9d2f-3`;
    await expect(service().registerDevice({ deviceId: 'device-1', platform: 'APNS', pushToken: TOKEN, endpointArn: elsewhere })).resolves.toBe(recreated);

    expect(sns.commandCalls(GetEndpointAttributesCommand)).toHaveLength(0);
    expect(sns.commandCalls(CreatePlatformEndpointCommand, { PlatformApplicationArn: APPLICATIONS.APNS })).toHaveLength(1);
  });

  it('lets other failures of GetEndpointAttributes fail', async () => {
    sns.on(GetEndpointAttributesCommand).rejects(new ThrottledException({ ...metadata, message: 'Rate exceeded' }));
    await expect(service().registerDevice({ deviceId: 'device-1', platform: 'APNS', pushToken: TOKEN, endpointArn })).rejects.toThrow(/Rate exceeded/);
    expect(sns.commandCalls(CreatePlatformEndpointCommand)).toHaveLength(0);
  });
});

describe('notify', () => {
  const endpointArn = endpointOf('FCM', '77aa-1');
  const notification = { authReqId: 'Vq3nR8tF0c5pXz', signature: 'eyJhbGciOiJFUzI1NiJ9.eyJhdXRoX3JlcV9pZCI6IlZxM25SOHRGMGM1cFh6In0.c2ln' };

  /** The Publish call's input, its Message parsed, each platform's payload parsed too. */
  async function published(platform: PushPlatform = 'FCM'): Promise<{ input: Record<string, unknown>; message: Record<string, unknown>; payloads: Record<string, unknown> }> {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await expect(service().notify({ platform, endpointArn }, notification)).resolves.toBe('sent');
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = { ...calls[0]!.args[0].input } as Record<string, unknown>;
    const message = JSON.parse(input.Message as string) as Record<string, unknown>;
    const payloads = Object.fromEntries(
      Object.entries(message).filter(([key]) => key !== 'default').map(([key, value]) => [key, JSON.parse(value as string) as unknown]),
    );
    return { input, message, payloads };
  }

  it('publishes one JSON message to the endpoint, with a default text and a payload per platform', async () => {
    const { input, message } = await published();
    expect(input).toEqual({ TargetArn: endpointArn, MessageStructure: 'json', Message: expect.any(String) });
    expect(Object.keys(message).sort()).toEqual(['APNS', 'APNS_SANDBOX', 'GCM', 'default']);
    expect(message.default).toBe(PUSH_ALERT.title);
    for (const value of Object.values(message)) expect(typeof value).toBe('string');
  });

  it('sends APNs an alert that lets the app check the push, and the reference under ciba', async () => {
    const { payloads } = await published('APNS');
    const expected = {
      aps: { alert: { title: 'Approval requested', body: 'Open the app to review the request' }, sound: 'default', 'mutable-content': 1 },
      ciba: { auth_req_id: notification.authReqId, signature: notification.signature },
    };
    expect(payloads.APNS).toEqual(expected);
    expect(payloads.APNS_SANDBOX).toEqual(expected);
  });

  it('sends FCM (the GCM key) a high-priority FCM v1 data message', async () => {
    const { payloads } = await published();
    expect(payloads.GCM).toEqual({
      fcmV1Message: {
        message: {
          data: { type: 'ciba', auth_req_id: notification.authReqId, signature: notification.signature },
          android: { priority: 'HIGH' },
        },
      },
    });
  });

  it('carries the reference and signature only: nothing of the request itself', async () => {
    const { input, payloads } = await published();
    // Whatever is nested anywhere, the only request data are these two values.
    const strings: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'string') strings.push(value);
      else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(payloads);
    const fixed = new Set(['ciba', 'HIGH', 'default', PUSH_ALERT.title, PUSH_ALERT.body]);
    expect(strings.filter((value) => !fixed.has(value)).sort()).toEqual([notification.authReqId, notification.authReqId, notification.authReqId, notification.signature, notification.signature, notification.signature].sort());
    for (const forbidden of ['binding', 'amount', 'currency', 'creditor', 'iban', 'scope', 'client']) {
      expect((input.Message as string).toLowerCase()).not.toContain(forbidden);
    }
  });

  it('answers disabled when the platform disabled the endpoint', async () => {
    sns.on(PublishCommand).rejects(new EndpointDisabledException({ ...metadata, message: 'Endpoint is disabled' }));
    await expect(service().notify({ platform: 'APNS', endpointArn }, notification)).resolves.toBe('disabled');
  });

  it('answers disabled when the endpoint was deleted', async () => {
    sns.on(PublishCommand).rejects(new InvalidParameterException({ ...metadata, message: 'Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified' }));
    await expect(service().notify({ platform: 'FCM', endpointArn }, notification)).resolves.toBe('disabled');
  });

  it('lets every other failure propagate, a disabled platform application included', async () => {
    sns.on(PublishCommand)
      .rejectsOnce(new PlatformApplicationDisabledException({ ...metadata, message: 'Platform application is disabled' }))
      .rejectsOnce(new ThrottledException({ ...metadata, message: 'Rate exceeded' }))
      .rejectsOnce(new InvalidParameterException({ ...metadata, message: 'Invalid parameter: Message too long' }));
    await expect(service().notify({ platform: 'FCM', endpointArn }, notification)).rejects.toBeInstanceOf(PlatformApplicationDisabledException);
    await expect(service().notify({ platform: 'FCM', endpointArn }, notification)).rejects.toThrow(/Rate exceeded/);
    await expect(service().notify({ platform: 'FCM', endpointArn }, notification)).rejects.toThrow(/too long/);
  });
});
