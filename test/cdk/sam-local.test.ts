/**
 * scripts/sam-local.ts, checked on a stack synthesized to disk the way `cdk synth` writes it (template
 * plus bundle directories, asset metadata on): the env-vars file names every function of the template
 * with exactly the variables the template declares, each function's configuration then loads with the
 * functions' own parser, and the signing key lands in every bundle. No Docker or SAM here: the command
 * is checked as text (docs/sam-local.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { CibaProviderStack } from '../../cdk/ciba-provider-stack.js';
import { loadConfig } from '../../lambdas/config.js';
import {
  DEFAULT_OPTIONS,
  parseArguments,
  prepareSamLocal,
  startApiCommand,
  templateFunctions,
  type SamLocalOptions,
} from '../../scripts/sam-local.js';

const STACK = 'SamLocal';
const options: SamLocalOptions = { ...DEFAULT_OPTIONS, stackName: STACK };

let directory: string;
let template: Record<string, unknown>;
let prepared: ReturnType<typeof prepareSamLocal>;
let envFile: Record<string, Record<string, string>>;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'ciba-sam-local-'));
  // What the CDK CLI does for `cdk synth`: asset metadata on, output to the given directory.
  const app = new App({ outdir: join(directory, 'cdk.out'), context: { 'aws:cdk:enable-asset-metadata': true } });
  new CibaProviderStack(app, STACK, {
    provider: {
      features: { simulator: true },
      push: { existing: { FCM: 'arn:aws:sns:eu-west-1:111122223333:app/GCM/ciba-android' } },
    },
  });
  app.synth();
  template = JSON.parse(readFileSync(join(directory, 'cdk.out', `${STACK}.template.json`), 'utf8')) as Record<string, unknown>;
  prepared = prepareSamLocal(directory, options);
  envFile = JSON.parse(readFileSync(prepared.envFile, 'utf8')) as Record<string, Record<string, string>>;
}, 240_000);

afterAll(() => {
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

describe('sam-local env-vars file', () => {
  it('lists every function of the template, and nothing else', () => {
    const functions = templateFunctions(template).map((fn) => fn.logicalId);
    expect(functions.length).toBeGreaterThan(10);
    expect(Object.keys(envFile).sort()).toEqual([...functions].sort());
  });

  it('gives each function exactly the variables the template declares for it, as strings', () => {
    for (const fn of templateFunctions(template)) {
      expect(Object.keys(envFile[fn.logicalId]!).sort(), fn.logicalId).toEqual(Object.keys(fn.variables).sort());
      for (const value of Object.values(envFile[fn.logicalId]!)) expect(typeof value).toBe('string');
    }
  });

  it('replaces every deploy-time value (table, key, secret, queue, push) with a local one', () => {
    expect(prepared.unresolved).toEqual([]);
    for (const variables of Object.values(envFile)) {
      expect(variables).toMatchObject({
        CIBA_ISSUER: 'http://127.0.0.1:3001',
        CIBA_TABLE_NAME: 'ciba-local',
        CIBA_DYNAMODB_ENDPOINT: 'http://host.docker.internal:8000',
        // Keys in the DynamoDB Local table, shared by every function (and by `npm start` on the same table).
        CIBA_SIGNING: 'local',
        CIBA_SIGNING_WRAPPING_KEY_ID: '',
      });
      if ('CIBA_PUSH' in variables) expect(variables.CIBA_PUSH).toBe('');
    }
    const registration = Object.values(envFile).filter((variables) => 'CIBA_INITIAL_ACCESS_TOKEN_SECRET' in variables);
    expect(registration).toHaveLength(1);
    expect(registration[0]).toMatchObject({ CIBA_INITIAL_ACCESS_TOKEN_SECRET: '', CIBA_INITIAL_ACCESS_TOKEN: DEFAULT_OPTIONS.initialAccessToken });
  });

  it('keeps what the template states literally (features, delivery modes)', () => {
    for (const fn of templateFunctions(template)) {
      expect(envFile[fn.logicalId]!.CIBA_SIMULATOR).toBe('true');
      expect(envFile[fn.logicalId]!.CIBA_DELIVERY_MODES).toBe(fn.variables.CIBA_DELIVERY_MODES);
    }
  });

  it("is a configuration every function's own parser accepts", () => {
    for (const [logicalId, variables] of Object.entries(envFile)) {
      const config = loadConfig(variables);
      expect(config.signing.kind, logicalId).toBe('local');
      expect(config.table, logicalId).toEqual({ name: 'ciba-local', endpoint: 'http://host.docker.internal:8000' });
      expect(config.push, logicalId).toBeUndefined();
    }
  });
});

describe('sam-local command and arguments', () => {
  it('prints the start-api command for the prepared assembly and env file', () => {
    expect(startApiCommand(options)).toBe(
      'sam local start-api -t sam-local/cdk.out/SamLocal.template.json --env-vars sam-local/env.json --port 3001 --add-host host.docker.internal:host-gateway',
    );
  });

  it('reads its flags and passes -c to cdk synth', () => {
    const parsed = parseArguments(['--stack', 'CibaConformance', '--port', '3300', '--dynamodb-endpoint', 'http://172.17.0.1:8000', '-c', 'simulator=true', '--skip-synth']);
    expect(parsed.options).toMatchObject({ stackName: 'CibaConformance', port: 3300, dynamoDbEndpoint: 'http://172.17.0.1:8000' });
    expect(parsed.context).toEqual(['simulator=true']);
    expect(parsed.skipSynth).toBe(true);
    expect(() => parseArguments(['--port', 'http'])).toThrow(/--port/);
    expect(() => parseArguments(['--initial-access-token', 'short'])).toThrow(/16 characters/);
    expect(() => parseArguments(['--bogus'])).toThrow(/unknown argument/);
  });

  it('refuses an assembly without the stack', () => {
    expect(() => prepareSamLocal(directory, { ...options, stackName: 'Missing' })).toThrow(/Missing\.template\.json does not exist/);
  });
});
