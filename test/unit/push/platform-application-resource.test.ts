/**
 * The SNS platform application custom resource's onEvent handler, at the SDK boundary: SNS and Secrets
 * Manager are mocked (aws-sdk-client-mock), the handler is the one the Lambda function exports.
 */
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreatePlatformApplicationCommand,
  DeletePlatformApplicationCommand,
  InvalidParameterException,
  NotFoundException,
  SetPlatformApplicationAttributesCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler, type PlatformApplicationEvent, type PlatformApplicationProperties } from '../../../lambdas/handlers/platform-application-resource.js';

const sns = mockClient(SNSClient);
const secrets = mockClient(SecretsManagerClient);
afterAll(() => {
  sns.restore();
  secrets.restore();
});

const metadata = { $metadata: {} };
const PREFIX = 'arn:aws:sns:eu-west-1:111122223333';
const APNS_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ciba/apns-AbCdEf';
const FCM_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ciba/fcm-GhIjKl';

const SIGNING_KEY = '-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg\n-----END PRIVATE KEY-----';
const apnsToken = { signingKey: SIGNING_KEY, keyId: 'ABC123DEFG', teamId: 'TEAM123456', bundleId: 'com.example.ciba' };
const apnsCertificate = { certificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', privateKey: SIGNING_KEY };
const serviceAccount = {
  type: 'service_account',
  project_id: 'ciba-demo',
  private_key_id: 'k1',
  private_key: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
  client_email: 'sns@ciba-demo.iam.gserviceaccount.com',
};

const apnsProperties: PlatformApplicationProperties = { Platform: 'APNS', Name: 'CibaProvider-PushApns-1A2B3C4D', SecretArn: APNS_SECRET };
const fcmProperties: PlatformApplicationProperties = { Platform: 'GCM', Name: 'CibaProvider-PushFcm-5E6F7A8B', SecretArn: FCM_SECRET };

function givenSecret(secretArn: string, value: unknown): void {
  secrets.on(GetSecretValueCommand, { SecretId: secretArn }).resolves({ ARN: secretArn, SecretString: typeof value === 'string' ? value : JSON.stringify(value) });
}

beforeEach(() => {
  sns.reset();
  secrets.reset();
});

describe('Create', () => {
  it('creates an APNs application with token-based credentials from the secret', async () => {
    givenSecret(APNS_SECRET, apnsToken);
    const arn = `${PREFIX}:app/APNS/${apnsProperties.Name}`;
    sns.on(CreatePlatformApplicationCommand).resolves({ PlatformApplicationArn: arn });

    await expect(handler({ RequestType: 'Create', ResourceProperties: apnsProperties })).resolves.toEqual({ PhysicalResourceId: arn, Data: { Arn: arn } });

    const calls = sns.commandCalls(CreatePlatformApplicationCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      Name: apnsProperties.Name,
      Platform: 'APNS',
      Attributes: { PlatformCredential: SIGNING_KEY, PlatformPrincipal: 'ABC123DEFG', ApplePlatformTeamID: 'TEAM123456', ApplePlatformBundleID: 'com.example.ciba' },
    });
    expect(secrets.commandCalls(GetSecretValueCommand, { SecretId: APNS_SECRET })).toHaveLength(1);
  });

  it('creates an APNs sandbox application with certificate-based credentials', async () => {
    givenSecret(APNS_SECRET, apnsCertificate);
    const arn = `${PREFIX}:app/APNS_SANDBOX/${apnsProperties.Name}`;
    sns.on(CreatePlatformApplicationCommand).resolves({ PlatformApplicationArn: arn });

    await expect(handler({ RequestType: 'Create', ResourceProperties: { ...apnsProperties, Platform: 'APNS_SANDBOX' } })).resolves.toEqual({ PhysicalResourceId: arn, Data: { Arn: arn } });

    expect(sns.commandCalls(CreatePlatformApplicationCommand)[0]?.args[0].input).toEqual({
      Name: apnsProperties.Name,
      Platform: 'APNS_SANDBOX',
      Attributes: { PlatformCredential: SIGNING_KEY, PlatformPrincipal: apnsCertificate.certificate },
    });
  });

  it.each([
    ['an object', serviceAccount],
    ['the key file text', JSON.stringify(serviceAccount)],
  ])('creates an FCM (GCM) application whose credential is the service account JSON, given as %s', async (_, account) => {
    givenSecret(FCM_SECRET, { serviceAccount: account });
    const arn = `${PREFIX}:app/GCM/${fcmProperties.Name}`;
    sns.on(CreatePlatformApplicationCommand).resolves({ PlatformApplicationArn: arn });

    await expect(handler({ RequestType: 'Create', ResourceProperties: fcmProperties })).resolves.toEqual({ PhysicalResourceId: arn, Data: { Arn: arn } });

    const input = sns.commandCalls(CreatePlatformApplicationCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ Name: fcmProperties.Name, Platform: 'GCM' });
    expect(Object.keys(input?.Attributes ?? {})).toEqual(['PlatformCredential']);
    expect(JSON.parse(input?.Attributes?.PlatformCredential ?? '')).toEqual(serviceAccount);
  });

  it('refuses an unknown platform or a bad name before reading the secret', async () => {
    await expect(handler({ RequestType: 'Create', ResourceProperties: { ...fcmProperties, Platform: 'FCM' } })).rejects.toThrow(/Platform must be one of APNS, APNS_SANDBOX, GCM/);
    await expect(handler({ RequestType: 'Create', ResourceProperties: { ...fcmProperties, Name: 'ciba push' } })).rejects.toThrow(/Name must be/);
    expect(secrets.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });

  it('lets SNS refusing the credentials fail the deployment', async () => {
    givenSecret(FCM_SECRET, { serviceAccount });
    sns.on(CreatePlatformApplicationCommand).rejects(new InvalidParameterException({ ...metadata, message: 'Invalid parameter: Attributes Reason: Platform credentials are invalid' }));
    await expect(handler({ RequestType: 'Create', ResourceProperties: fcmProperties })).rejects.toThrow(/Platform credentials are invalid/);
  });
});

describe('Secrets the handler cannot use fail with a message that names the secret, never its content', () => {
  const cases: [string, PlatformApplicationProperties, unknown, RegExp][] = [
    ['not JSON', apnsProperties, `{"signingKey": "${SIGNING_KEY.replaceAll('\n', '\\n')}", oops`, /APNs credentials secret .*ciba\/apns-AbCdEf is not valid JSON/],
    ['a JSON array', apnsProperties, [SIGNING_KEY], /must be a JSON object/],
    ['APNs, no known fields', apnsProperties, { key: SIGNING_KEY }, /must hold signingKey, keyId, teamId and bundleId .* or certificate and privateKey/],
    ['APNs token, fields missing', apnsProperties, { signingKey: SIGNING_KEY, keyId: 'ABC123DEFG' }, /token-based authentication needs teamId, bundleId/],
    ['APNs token, an empty key', apnsProperties, { ...apnsToken, signingKey: ' ' }, /token-based authentication needs signingKey/],
    ['APNs certificate without its key', apnsProperties, { certificate: apnsCertificate.certificate }, /certificate-based authentication needs privateKey/],
    ['FCM without serviceAccount', fcmProperties, { ...serviceAccount }, /FCM credentials secret .* must hold serviceAccount/],
    ['FCM, serviceAccount text not JSON', fcmProperties, { serviceAccount: `{"private_key": "${SIGNING_KEY.replaceAll('\n', '\\n')}"` }, /serviceAccount is a string but not valid JSON/],
    ['FCM, not a service account key', fcmProperties, { serviceAccount: { private_key: serviceAccount.private_key } }, /serviceAccount lacks project_id, client_email/],
  ];

  it.each(cases)('%s', async (_, properties, value, message) => {
    givenSecret(properties.SecretArn, value);
    const error = await handler({ RequestType: 'Create', ResourceProperties: properties }).then(
      () => new Error('the handler succeeded'),
      (caught: unknown) => caught as Error,
    );
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('PRIVATE KEY');
    expect(error.message).not.toContain('MIG');
    expect(sns.calls()).toHaveLength(0);
  });

  it('a secret with binary content only', async () => {
    secrets.on(GetSecretValueCommand).resolves({ ARN: APNS_SECRET, SecretBinary: new Uint8Array([1, 2, 3]) });
    await expect(handler({ RequestType: 'Create', ResourceProperties: apnsProperties })).rejects.toThrow(/has no SecretString/);
  });

  it('a secret that does not exist or cannot be read', async () => {
    secrets.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ ...metadata, message: "Secrets Manager can't find the specified secret." }));
    await expect(handler({ RequestType: 'Create', ResourceProperties: apnsProperties })).rejects.toThrow(/can't find the specified secret/);
    expect(sns.calls()).toHaveLength(0);
  });
});

describe('Update', () => {
  const arn = `${PREFIX}:app/APNS/${apnsProperties.Name}`;

  it('sets the credentials of the same application when the secret changed', async () => {
    const otherSecret = `${APNS_SECRET.slice(0, -7)}-v2-ZyXwVu`;
    givenSecret(otherSecret, { ...apnsToken, keyId: 'NEWKEY0001' });
    sns.on(SetPlatformApplicationAttributesCommand).resolves({});

    const event: PlatformApplicationEvent = { RequestType: 'Update', PhysicalResourceId: arn, ResourceProperties: { ...apnsProperties, SecretArn: otherSecret }, OldResourceProperties: apnsProperties };
    await expect(handler(event)).resolves.toEqual({ PhysicalResourceId: arn, Data: { Arn: arn } });

    expect(sns.commandCalls(SetPlatformApplicationAttributesCommand)[0]?.args[0].input).toEqual({
      PlatformApplicationArn: arn,
      Attributes: { PlatformCredential: SIGNING_KEY, PlatformPrincipal: 'NEWKEY0001', ApplePlatformTeamID: 'TEAM123456', ApplePlatformBundleID: 'com.example.ciba' },
    });
    expect(sns.commandCalls(CreatePlatformApplicationCommand)).toHaveLength(0);
  });

  it('re-reads the secret when only CredentialsVersion changed', async () => {
    givenSecret(APNS_SECRET, apnsToken);
    sns.on(SetPlatformApplicationAttributesCommand).resolves({});
    const event: PlatformApplicationEvent = { RequestType: 'Update', PhysicalResourceId: arn, ResourceProperties: { ...apnsProperties, CredentialsVersion: '2' }, OldResourceProperties: apnsProperties };
    await expect(handler(event)).resolves.toEqual({ PhysicalResourceId: arn, Data: { Arn: arn } });
    expect(sns.commandCalls(SetPlatformApplicationAttributesCommand)).toHaveLength(1);
  });

  it('replaces the application when the platform changed: a new one, a new physical id', async () => {
    givenSecret(APNS_SECRET, apnsToken);
    const sandbox = `${PREFIX}:app/APNS_SANDBOX/${apnsProperties.Name}`;
    sns.on(CreatePlatformApplicationCommand).resolves({ PlatformApplicationArn: sandbox });

    const event: PlatformApplicationEvent = { RequestType: 'Update', PhysicalResourceId: arn, ResourceProperties: { ...apnsProperties, Platform: 'APNS_SANDBOX' }, OldResourceProperties: apnsProperties };
    await expect(handler(event)).resolves.toEqual({ PhysicalResourceId: sandbox, Data: { Arn: sandbox } });

    expect(sns.commandCalls(CreatePlatformApplicationCommand)[0]?.args[0].input).toMatchObject({ Name: apnsProperties.Name, Platform: 'APNS_SANDBOX' });
    // CloudFormation deletes the old one once the update succeeded.
    expect(sns.commandCalls(SetPlatformApplicationAttributesCommand)).toHaveLength(0);
    expect(sns.commandCalls(DeletePlatformApplicationCommand)).toHaveLength(0);
  });

  it('replaces the application when its name changed', async () => {
    givenSecret(APNS_SECRET, apnsToken);
    const renamed = `${PREFIX}:app/APNS/ciba-renamed`;
    sns.on(CreatePlatformApplicationCommand).resolves({ PlatformApplicationArn: renamed });
    const event: PlatformApplicationEvent = { RequestType: 'Update', PhysicalResourceId: arn, ResourceProperties: { ...apnsProperties, Name: 'ciba-renamed' }, OldResourceProperties: apnsProperties };
    await expect(handler(event)).resolves.toEqual({ PhysicalResourceId: renamed, Data: { Arn: renamed } });
  });

  it('fails, keeping the application, when the new secret is unusable', async () => {
    givenSecret(APNS_SECRET, { signingKey: SIGNING_KEY });
    const event: PlatformApplicationEvent = { RequestType: 'Update', PhysicalResourceId: arn, ResourceProperties: { ...apnsProperties, CredentialsVersion: '3' }, OldResourceProperties: apnsProperties };
    await expect(handler(event)).rejects.toThrow(/token-based authentication needs keyId, teamId, bundleId/);
    expect(sns.calls()).toHaveLength(0);
  });
});

describe('Delete', () => {
  it('deletes the application', async () => {
    const arn = `${PREFIX}:app/GCM/${fcmProperties.Name}`;
    sns.on(DeletePlatformApplicationCommand).resolves({});
    await expect(handler({ RequestType: 'Delete', PhysicalResourceId: arn, ResourceProperties: fcmProperties })).resolves.toEqual({ PhysicalResourceId: arn });
    expect(sns.commandCalls(DeletePlatformApplicationCommand, { PlatformApplicationArn: arn })).toHaveLength(1);
    expect(secrets.calls()).toHaveLength(0);
  });

  it('succeeds when the application is already gone', async () => {
    const arn = `${PREFIX}:app/APNS/${apnsProperties.Name}`;
    sns.on(DeletePlatformApplicationCommand).rejects(new NotFoundException({ ...metadata, message: 'PlatformApplication does not exist' }));
    await expect(handler({ RequestType: 'Delete', PhysicalResourceId: arn, ResourceProperties: apnsProperties })).resolves.toEqual({ PhysicalResourceId: arn });
  });

  it('leaves SNS alone for a physical id that is no application (a Create that failed)', async () => {
    const event: PlatformApplicationEvent = { RequestType: 'Delete', PhysicalResourceId: '2f1c-request-id', ResourceProperties: apnsProperties };
    await expect(handler(event)).resolves.toEqual({ PhysicalResourceId: '2f1c-request-id' });
    expect(sns.calls()).toHaveLength(0);
  });
});
