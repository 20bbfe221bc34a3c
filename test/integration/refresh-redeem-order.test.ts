/**
 * The refresh_token grant's order of work, on the real repository in DynamoDB Local: what is looked up
 * (one hash), what is spent and when (never before the new tokens are signed, never on a refused scope),
 * and what a lost race or a revoked grant answers. The repository is observed, not replaced: a spy
 * records its lookups, and the race is a real second redemption landing between the read and the write.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';
import { DynamoDbRefreshTokenRepository } from '../../lambdas/adapters/dynamodb/refresh-token-repository.js';
import { DynamoDbRefreshGrantStatus } from '../../lambdas/adapters/dynamodb/revocation-list.js';
import { loadConfig } from '../../lambdas/config.js';
import { OAuthError } from '../../lambdas/core/errors.js';
import { CIBA_GRANT_TYPE, type Client } from '../../lambdas/core/model.js';
import type { RefreshRotation, RefreshToken, RefreshTokenRepository, Signer } from '../../lambdas/core/ports.js';
import { redeemRefreshToken } from '../../lambdas/core/token/refresh/redeem-refresh-token.js';
import { formParameters } from '../../lambdas/core/http/form.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { TEST_TABLE_NAME } from '../support/constants.js';

const NOW = Date.now();
const sha256 = (value: string): string => createHash('sha256').update(value, 'utf8').digest('base64url');

const config = loadConfig({ CIBA_ISSUER: 'https://ciba.test', CIBA_TABLE_NAME: TEST_TABLE_NAME, CIBA_SIGNING: 'local' });

const client: Client = {
  clientId: 'client-refresh-order',
  createdAt: 0,
  metadata: { grant_types: [CIBA_GRANT_TYPE, 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic', backchannel_token_delivery_mode: 'poll' },
};

const sdk = localDynamoDbClient(inject('dynamoDbEndpoint'));
afterAll(() => sdk.destroy());
const stored = new DynamoDbRefreshTokenRepository(sdkDynamoDb(sdk), TEST_TABLE_NAME);
const grants = new DynamoDbRefreshGrantStatus(sdkDynamoDb(sdk), TEST_TABLE_NAME);

/** The real repository, with its lookups recorded and an optional step run just before `rotate`. */
class ObservedRefreshTokens implements RefreshTokenRepository {
  readonly finds: string[] = [];
  beforeRotate: (() => Promise<void>) | undefined;
  createGrant: RefreshTokenRepository['createGrant'] = (grant, first) => stored.createGrant(grant, first);
  revokeGrant: RefreshTokenRepository['revokeGrant'] = (grantId, at) => stored.revokeGrant(grantId, at);

  async find(tokenHash: string): Promise<RefreshToken | undefined> {
    this.finds.push(tokenHash);
    return stored.find(tokenHash);
  }

  async rotate(presented: RefreshToken, next: RefreshToken, at: number): Promise<RefreshRotation> {
    const step = this.beforeRotate;
    this.beforeRotate = undefined;
    await step?.();
    return stored.rotate(presented, next, at);
  }
}

const signer = (fail = false): Signer => ({
  alg: 'ES256',
  publishedKeys: async () => [{ kty: 'EC', kid: 'k1', use: 'sig', alg: 'ES256' }],
  currentKey: async () => ({
    kid: 'k1',
    alg: 'ES256',
    sign: async () => {
      if (fail) throw new Error('KMS unavailable');
      return new Uint8Array(64);
    },
  }),
});

let repository: ObservedRefreshTokens;
/** This test's refresh token and grant: fresh random ones, so the tests share the table safely. */
let PRESENTED: string;
let grantId: string;

beforeEach(async () => {
  repository = new ObservedRefreshTokens();
  PRESENTED = randomBytes(32).toString('base64url');
  grantId = `grant-${randomBytes(8).toString('hex')}`;
  const token: RefreshToken = {
    tokenHash: sha256(PRESENTED),
    grantId,
    clientId: client.clientId,
    sub: 'jane.doe',
    scope: 'openid email offline_access',
    authTime: NOW - 60_000,
    acr: 'push',
    issuedAt: NOW - 60_000,
    absoluteExpiresAt: NOW + 3_600_000,
    idleExpiresAt: NOW + 600_000,
    status: 'active',
  };
  await stored.createGrant({ grantId, clientId: client.clientId, sub: 'jane.doe', status: 'active', absoluteExpiresAt: token.absoluteExpiresAt }, token);
});

function redeem(form: Record<string, string>, options: { signer?: Signer; who?: Client } = {}) {
  return redeemRefreshToken(formParameters(Object.entries({ grant_type: 'refresh_token', ...form })), options.who ?? client, {
    config,
    clock: { now: () => NOW },
    refreshTokens: repository,
    signer: options.signer ?? signer(),
  });
}

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof OAuthError ? error.error : String(error);
  }
}

describe('redeemRefreshToken', () => {
  it('looks the token up by one SHA-256, spends it and stores its successor (hashed) in the same grant', async () => {
    const response = await redeem({ refresh_token: PRESENTED });
    expect(repository.finds).toEqual([sha256(PRESENTED)]);
    expect((await stored.find(sha256(PRESENTED)))?.status).toBe('used');
    const successor = await stored.find(sha256(response.refresh_token));
    expect(successor).toMatchObject({ grantId, status: 'active', scope: 'openid email offline_access', authTime: NOW - 60_000, acr: 'push', issuedAt: NOW });
    // The grant's end (an hour away) comes before a fresh idle lifetime (7 days) would.
    expect(successor?.absoluteExpiresAt).toBe(NOW + 3_600_000);
    expect(successor?.idleExpiresAt).toBe(NOW + 3_600_000);
    expect(response).toMatchObject({ token_type: 'Bearer', scope: 'openid email offline_access', id_token: expect.any(String) });
  });

  it('spends nothing when signing fails: the client can try again with the same token', async () => {
    expect(await errorOf(redeem({ refresh_token: PRESENTED }, { signer: signer(true) }))).toContain('KMS unavailable');
    expect((await stored.find(sha256(PRESENTED)))?.status).toBe('active');
    expect(await errorOf(redeem({ refresh_token: PRESENTED }))).toBe('ok');
  });

  it('spends nothing on a refused scope', async () => {
    expect(await errorOf(redeem({ refresh_token: PRESENTED, scope: 'openid phone' }))).toBe('invalid_scope');
    expect((await stored.find(sha256(PRESENTED)))?.status).toBe('active');
  });

  it('a race lost between the read and the write is reuse: the grant is revoked, invalid_grant', async () => {
    // A second redemption of the same token lands after this one read it and before it writes.
    let winner = '';
    repository.beforeRotate = async () => {
      winner = await errorOf(redeem({ refresh_token: PRESENTED }));
    };
    expect(await errorOf(redeem({ refresh_token: PRESENTED }))).toBe('invalid_grant');
    expect(winner).toBe('ok');
    expect(await grants.isActive(grantId, Date.now())).toBe(false);
  });

  it('a revoked grant is invalid_grant', async () => {
    await stored.revokeGrant(grantId, Date.now());
    expect(await errorOf(redeem({ refresh_token: PRESENTED }))).toBe('invalid_grant');
    expect((await stored.find(sha256(PRESENTED)))?.status).toBe('active');
  });

  it('answers before any lookup: unauthorized_client, a missing token, an overlong one', async () => {
    const plain: Client = { ...client, metadata: { ...client.metadata, grant_types: [CIBA_GRANT_TYPE] } };
    expect(await errorOf(redeem({ refresh_token: PRESENTED }, { who: plain }))).toBe('unauthorized_client');
    expect(await errorOf(redeem({}))).toBe('invalid_request');
    expect(await errorOf(redeem({ refresh_token: '' }))).toBe('invalid_request');
    expect(await errorOf(redeem({ refresh_token: 'x'.repeat(129) }))).toBe('invalid_grant');
    expect(repository.finds).toEqual([]);
  });
});
