/**
 * The onEvent handler of the custom resource `Custom::SnsPlatformApplication` (cdk/push-platforms.ts):
 * CloudFormation has no resource type for SNS platform applications, so this one creates, updates and
 * deletes one, with credentials read from Secrets Manager at deploy time. The credentials go from the
 * secret to SNS only: they are never logged, returned or put in the template.
 *
 * Resource properties (strings, as CloudFormation passes them):
 *   Platform   APNS | APNS_SANDBOX | GCM (FCM's name in SNS)
 *   Name       the application's name: letters, digits, `_`, `-`, `.`; at most 256
 *   SecretArn  the secret holding the credentials (shapes in cdk/push-platforms.ts)
 *   CredentialsVersion  optional, any string: changing it re-reads the secret
 *
 * Returns the application ARN as the physical resource id and as the attribute `Arn`. A change of
 * Platform or Name replaces the application (CloudFormation then deletes the old one); any other
 * change re-reads the secret and sets the application's credentials.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreatePlatformApplicationCommand, DeletePlatformApplicationCommand, SetPlatformApplicationAttributesCommand, SNSClient } from '@aws-sdk/client-sns';

export type SnsPlatform = 'APNS' | 'APNS_SANDBOX' | 'GCM';
const SNS_PLATFORMS: readonly string[] = ['APNS', 'APNS_SANDBOX', 'GCM'] satisfies SnsPlatform[];

export interface PlatformApplicationProperties {
  readonly Platform: string;
  readonly Name: string;
  readonly SecretArn: string;
  readonly CredentialsVersion?: string;
}

/** The part of the provider framework's event this handler reads. */
export type PlatformApplicationEvent =
  | { readonly RequestType: 'Create'; readonly ResourceProperties: PlatformApplicationProperties }
  | {
      readonly RequestType: 'Update';
      readonly PhysicalResourceId: string;
      readonly ResourceProperties: PlatformApplicationProperties;
      readonly OldResourceProperties: PlatformApplicationProperties;
    }
  | { readonly RequestType: 'Delete'; readonly PhysicalResourceId: string; readonly ResourceProperties: PlatformApplicationProperties };

export interface PlatformApplicationResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: { readonly Arn: string };
}

/** What the handler accepts from SNS's application names (the API's own rule). */
const APPLICATION_NAME = /^[\w.-]{1,256}$/;
/** A platform application's ARN: only these are deleted (a failed Create leaves some other physical id). */
const APPLICATION_ARN = /^arn:aws[\w-]*:sns:[\w-]+:\d{12}:app\/(APNS|APNS_SANDBOX|GCM)\/[\w.-]+$/;

const sns = new SNSClient({});
const secrets = new SecretsManagerClient({});

export async function handler(event: PlatformApplicationEvent): Promise<PlatformApplicationResponse> {
  switch (event.RequestType) {
    case 'Create':
      return create(event.ResourceProperties);
    case 'Update': {
      const before = event.OldResourceProperties;
      const after = event.ResourceProperties;
      if (before.Platform !== after.Platform || before.Name !== after.Name || !APPLICATION_ARN.test(event.PhysicalResourceId)) return create(after);
      await sns.send(
        new SetPlatformApplicationAttributesCommand({
          PlatformApplicationArn: event.PhysicalResourceId,
          Attributes: await credentialAttributes(platformOf(after), after.SecretArn),
        }),
      );
      return { PhysicalResourceId: event.PhysicalResourceId, Data: { Arn: event.PhysicalResourceId } };
    }
    case 'Delete':
      if (APPLICATION_ARN.test(event.PhysicalResourceId)) {
        try {
          await sns.send(new DeletePlatformApplicationCommand({ PlatformApplicationArn: event.PhysicalResourceId }));
        } catch (error) {
          // Already gone is what Delete wants.
          if (!(error instanceof Error && error.name === 'NotFoundException')) throw error;
        }
      }
      return { PhysicalResourceId: event.PhysicalResourceId };
  }
}

async function create(properties: PlatformApplicationProperties): Promise<PlatformApplicationResponse> {
  const platform = platformOf(properties);
  if (typeof properties.Name !== 'string' || !APPLICATION_NAME.test(properties.Name)) {
    throw new Error(`Name must be 1 to 256 letters, digits, '_', '-' or '.', got ${JSON.stringify(properties.Name)}`);
  }
  const { PlatformApplicationArn: arn } = await sns.send(
    new CreatePlatformApplicationCommand({ Name: properties.Name, Platform: platform, Attributes: await credentialAttributes(platform, properties.SecretArn) }),
  );
  if (arn === undefined) throw new Error('SNS CreatePlatformApplication returned no PlatformApplicationArn');
  return { PhysicalResourceId: arn, Data: { Arn: arn } };
}

function platformOf(properties: PlatformApplicationProperties): SnsPlatform {
  if (!SNS_PLATFORMS.includes(properties.Platform)) throw new Error(`Platform must be one of ${SNS_PLATFORMS.join(', ')}, got ${JSON.stringify(properties.Platform)}`);
  return properties.Platform as SnsPlatform;
}

/** The application attributes holding the credentials, from the secret. Messages never quote the secret. */
async function credentialAttributes(platform: SnsPlatform, secretArn: string): Promise<Record<string, string>> {
  if (typeof secretArn !== 'string' || secretArn === '') throw new Error('SecretArn is required');
  const { SecretString: text } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const which = `the ${platform === 'GCM' ? 'FCM' : 'APNs'} credentials secret ${secretArn}`;
  if (text === undefined) throw new Error(`${which} has no SecretString: store the credentials as JSON text`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text, which is a private key.
    throw new Error(`${which} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${which} must be a JSON object`);
  const fields = value as Record<string, unknown>;
  return platform === 'GCM' ? fcmAttributes(fields, which) : apnsAttributes(fields, which);
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

function apnsAttributes(fields: Record<string, unknown>, which: string): Record<string, string> {
  const { signingKey, keyId, teamId, bundleId, certificate, privateKey } = fields;
  // Token-based authentication (a .p8 signing key): SNS's PlatformCredential is the key, PlatformPrincipal its id.
  if (signingKey !== undefined) {
    const missing = Object.entries({ signingKey, keyId, teamId, bundleId }).filter(([, field]) => !isText(field)).map(([name]) => name);
    if (missing.length > 0) throw new Error(`${which}: token-based authentication needs ${missing.join(', ')} (non-empty strings)`);
    return { PlatformCredential: signingKey as string, PlatformPrincipal: keyId as string, ApplePlatformTeamID: teamId as string, ApplePlatformBundleID: bundleId as string };
  }
  // Certificate-based authentication: the certificate is the principal, its private key the credential.
  if (certificate !== undefined || privateKey !== undefined) {
    const missing = Object.entries({ certificate, privateKey }).filter(([, field]) => !isText(field)).map(([name]) => name);
    if (missing.length > 0) throw new Error(`${which}: certificate-based authentication needs ${missing.join(', ')} (PEM strings)`);
    return { PlatformCredential: privateKey as string, PlatformPrincipal: certificate as string };
  }
  throw new Error(`${which} must hold signingKey, keyId, teamId and bundleId (token-based) or certificate and privateKey (certificate-based)`);
}

function fcmAttributes(fields: Record<string, unknown>, which: string): Record<string, string> {
  let account: unknown = fields.serviceAccount;
  // Accepted as the object itself or as the key file's text.
  if (typeof account === 'string') {
    try {
      account = JSON.parse(account);
    } catch {
      throw new Error(`${which}: serviceAccount is a string but not valid JSON`);
    }
  }
  if (account === null || typeof account !== 'object' || Array.isArray(account)) {
    throw new Error(`${which} must hold serviceAccount, the Firebase service account key (the JSON file Google issues)`);
  }
  const missing = ['project_id', 'client_email', 'private_key'].filter((name) => !isText((account as Record<string, unknown>)[name]));
  if (missing.length > 0) throw new Error(`${which}: serviceAccount lacks ${missing.join(', ')}; is it a service account key file?`);
  // FCM HTTP v1: SNS takes the whole service account JSON as the credential, and no principal.
  return { PlatformCredential: JSON.stringify(account) };
}
