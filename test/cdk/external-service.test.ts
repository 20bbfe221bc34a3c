/**
 * The external authentication service in the CibaProvider construct (docs/external-service.md): which
 * functions are told about the service and may read its HTTP Basic credentials, checked on the
 * synthesized template, and the construct refusing a Basic service without credentials.
 *
 * One App, synthesized once (see ciba-provider.test.ts). Resources are found by type and properties or by
 * the logical ID CDK computes for a construct; no test spells out a hashed logical ID.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { CibaProvider } from '../../cdk/ciba-provider.js';
import { loadConfig } from '../../lambdas/config.js';
import { handlers, type HandlerName, type HandlerSpec } from '../../lambdas/routes.js';

const SERVICE_URL = 'https://auth-service.examplebank.internal';
const SERVICE_NAME = 'examplebank-auth-service';
const ACR_POLICIES = {
  ciba: { channel: 'device', userVerification: 'optional' },
  'bank-app': { channel: 'external', userVerification: 'optional' },
} as const;

const allHandlers = Object.entries(handlers) as [HandlerName, HandlerSpec][];
/** The handlers that call the external service (lambdas/routes.ts). */
const callingService = allHandlers.filter(([, spec]) => spec.access.externalServiceSecret === true).map(([name]) => name);

let stack: Stack;
let provider: CibaProvider;
let secret: secretsmanager.Secret;
let template: Template;

beforeAll(() => {
  const app = new App();
  stack = new Stack(app, 'ExternalService');
  secret = new secretsmanager.Secret(stack, 'ExternalServiceCredentials');
  provider = new CibaProvider(stack, 'Provider', {
    acrPolicies: ACR_POLICIES,
    externalService: { url: SERVICE_URL, auth: 'basic', credentialsSecret: secret, name: SERVICE_NAME },
  });
  template = Template.fromStack(stack);
}, 180_000);

// ---------------------------------------------------------------------------------------------------
// Helpers reading the template

function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild as CfnElement | undefined;
  if (resource === undefined) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(resource);
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const actionsOf = (statement: Statement): string[] => [statement.Action].flat();
const resourcesOf = (statement: Statement): unknown[] => [statement.Resource].flat();

function fnOf(name: HandlerName): NonNullable<CibaProvider['functions'][HandlerName]> {
  const fn = provider.functions[name];
  if (fn === undefined) throw new Error(`no ${name} function`);
  return fn;
}

/** All statements of the inline policies attached to a function's role. */
function statementsOf(name: HandlerName): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: logicalId(fnOf(name).role!) }]) } });
  return Object.values(policies).flatMap((policy) => (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement);
}

const secretRef = (): unknown => ({ Ref: logicalId(secret) });

/** Statements of a function's role that grant something on the credentials secret. */
const onSecret = (name: HandlerName): Statement[] => statementsOf(name).filter((statement) => resourcesOf(statement).some((resource) => JSON.stringify(resource) === JSON.stringify(secretRef())));

function environmentOf(name: HandlerName): Record<string, unknown> {
  const resource = (template.toJSON().Resources as Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } } }>)[logicalId(fnOf(name))];
  if (resource === undefined) throw new Error(`${name} function is not in the template`);
  return resource.Properties.Environment.Variables;
}

const deployed = (): HandlerName[] => allHandlers.map(([name]) => name).filter((name) => provider.functions[name] !== undefined);

// ---------------------------------------------------------------------------------------------------

describe('The external service in the route table', () => {
  it('is called by the backchannel authentication function, not by the token function', () => {
    expect(callingService).toContain('backchannelAuthentication');
    expect(callingService).not.toContain('token');
  });
});

describe('A provider with an HTTP Basic external service', () => {
  it("gives the backchannel function CIBA_EXTERNAL_SERVICE_URL, _AUTH and _SECRET (the secret's ARN)", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CIBA_EXTERNAL_SERVICE_URL: SERVICE_URL,
          CIBA_EXTERNAL_SERVICE_AUTH: 'basic',
          CIBA_EXTERNAL_SERVICE_SECRET: secretRef(),
          CIBA_EXTERNAL_SERVICE_NAME: SERVICE_NAME,
        }),
      },
    });
    const withService = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ CIBA_EXTERNAL_SERVICE_SECRET: secretRef() }) } } });
    expect(Object.keys(withService).sort()).toEqual(callingService.map((name) => logicalId(fnOf(name))).sort());
    expect(environmentOf('backchannelAuthentication')).toMatchObject({ CIBA_EXTERNAL_SERVICE_URL: SERVICE_URL, CIBA_EXTERNAL_SERVICE_AUTH: 'basic', CIBA_EXTERNAL_SERVICE_SECRET: secretRef() });
    // Nothing of the credentials themselves in the template.
    expect(JSON.stringify(environmentOf('backchannelAuthentication'))).not.toMatch(/CIBA_EXTERNAL_SERVICE_(USERNAME|PASSWORD)/);
  });

  it('lets the backchannel role read that secret', () => {
    const statements = onSecret('backchannelAuthentication');
    expect(statements.flatMap(actionsOf)).toContain('secretsmanager:GetSecretValue');
    expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
    expect(statements.flatMap(actionsOf).every((action) => ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'].includes(action))).toBe(true);
  });

  it('does not let the token role read it, nor tell the token function about it', () => {
    expect(onSecret('token')).toEqual([]);
    expect(statementsOf('token').flatMap(actionsOf).filter((action) => action.startsWith('secretsmanager:'))).toEqual([]);
    expect(Object.keys(environmentOf('token')).filter((variable) => variable.startsWith('CIBA_EXTERNAL_SERVICE_'))).toEqual([]);
  });

  it('lets no other function read the secret', () => {
    const readers = deployed().filter((name) => onSecret(name).length > 0);
    expect(readers.sort()).toEqual([...callingService].sort());
  });

  it('gives every function an environment its configuration loads from (no function fails at cold start)', () => {
    // Deploy-time values (ARNs, table names, the API URL) get placeholders, as the construct's own synth check does.
    const placeholder = (variable: string, value: unknown): string =>
      typeof value === 'string' ? value : variable === 'CIBA_ISSUER' ? 'https://issuer.invalid' : `deploy-time-${variable.toLowerCase()}`;
    const failures = deployed().flatMap((name) => {
      const environment = Object.fromEntries(Object.entries(environmentOf(name)).map(([variable, value]) => [variable, placeholder(variable, value)]));
      try {
        loadConfig(environment);
        return [];
      } catch (error) {
        return [`${name}: ${(error as Error).message}`];
      }
    });
    expect(failures).toEqual([]);
  });
});

describe('A provider with an HTTP Basic external service and no credentials', () => {
  it('fails to synthesize, naming credentialsSecret', () => {
    const app = new App();
    const invalid = new Stack(app, 'NoCredentials');
    expect(() => new CibaProvider(invalid, 'Provider', { acrPolicies: ACR_POLICIES, externalService: { url: SERVICE_URL, auth: 'basic' } })).toThrow(/credentialsSecret/);
  });
});
