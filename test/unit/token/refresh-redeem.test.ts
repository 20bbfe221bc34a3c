/**
 * The refresh_token grant's order of work, against an in-memory repository: what is looked up (one
 * hash), what is spent and when (never before the new tokens are signed, never on a refused scope),
 * and what a lost race or a revoked grant answers.
 */
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambdas/config.js';
import { OAuthError } from '../../../lambdas/core/errors.js';
import { CIBA_GRANT_TYPE, type Client } from '../../../lambdas/core/model.js';
import type { RefreshGrant, RefreshRotation, RefreshToken, RefreshTokenRepository, Signer } from '../../../lambdas/core/ports.js';
import { redeemRefreshToken } from '../../../lambdas/core/token/refresh/redeem-refresh-token.js';
import { formParameters } from '../../../lambdas/core/http/form.js';

const NOW = 1_700_000_000_000;
const PRESENTED = 'p'.repeat(43);
const sha256 = (value: string): string => createHash('sha256').update(value, 'utf8').digest('base64url');

const config = loadConfig({ CIBA_ISSUER: 'https://ciba.test', CIBA_TABLE_NAME: 't', CIBA_SIGNING: 'local' });

const client: Client = {
  clientId: 'client-1',
  createdAt: 0,
  metadata: { grant_types: [CIBA_GRANT_TYPE, 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic', backchannel_token_delivery_mode: 'poll' },
};

class MemoryRefreshTokens implements RefreshTokenRepository {
  readonly tokens = new Map<string, RefreshToken>();
  readonly grants = new Map<string, RefreshGrant>();
  readonly finds: string[] = [];
  /** When set, rotate answers this without looking (a race lost, a grant revoked meanwhile). */
  forcedRotation: RefreshRotation | undefined;

  async createGrant(grant: RefreshGrant, first: RefreshToken): Promise<void> {
    this.grants.set(grant.grantId, grant);
    this.tokens.set(first.tokenHash, first);
  }

  async find(tokenHash: string): Promise<RefreshToken | undefined> {
    this.finds.push(tokenHash);
    return this.tokens.get(tokenHash);
  }

  async rotate(presented: RefreshToken, next: RefreshToken): Promise<RefreshRotation> {
    if (this.forcedRotation) return this.forcedRotation;
    if (this.tokens.get(presented.tokenHash)?.status !== 'active') return { kind: 'notActive' };
    if (this.grants.get(presented.grantId)?.status !== 'active') return { kind: 'grantRevoked' };
    this.tokens.set(presented.tokenHash, { ...presented, status: 'used' });
    this.tokens.set(next.tokenHash, next);
    return { kind: 'rotated' };
  }

  async revokeGrant(grantId: string): Promise<void> {
    const grant = this.grants.get(grantId);
    if (grant) this.grants.set(grantId, { ...grant, status: 'revoked' });
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

let repository: MemoryRefreshTokens;

beforeEach(async () => {
  repository = new MemoryRefreshTokens();
  const token: RefreshToken = {
    tokenHash: sha256(PRESENTED),
    grantId: 'grant-1',
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
  await repository.createGrant({ grantId: 'grant-1', clientId: client.clientId, sub: 'jane.doe', status: 'active', absoluteExpiresAt: token.absoluteExpiresAt }, token);
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
    expect(repository.tokens.get(sha256(PRESENTED))?.status).toBe('used');
    const successor = repository.tokens.get(sha256(response.refresh_token));
    expect(successor).toMatchObject({ grantId: 'grant-1', status: 'active', scope: 'openid email offline_access', authTime: NOW - 60_000, acr: 'push', issuedAt: NOW });
    // The grant's end (an hour away) comes before a fresh idle lifetime (7 days) would.
    expect(successor?.absoluteExpiresAt).toBe(NOW + 3_600_000);
    expect(successor?.idleExpiresAt).toBe(NOW + 3_600_000);
    expect(response).toMatchObject({ token_type: 'Bearer', scope: 'openid email offline_access', id_token: expect.any(String) });
  });

  it('spends nothing when signing fails: the client can try again with the same token', async () => {
    expect(await errorOf(redeem({ refresh_token: PRESENTED }, { signer: signer(true) }))).toContain('KMS unavailable');
    expect(repository.tokens.get(sha256(PRESENTED))?.status).toBe('active');
    expect(await errorOf(redeem({ refresh_token: PRESENTED }))).toBe('ok');
  });

  it('spends nothing on a refused scope', async () => {
    expect(await errorOf(redeem({ refresh_token: PRESENTED, scope: 'openid phone' }))).toBe('invalid_scope');
    expect(repository.tokens.get(sha256(PRESENTED))?.status).toBe('active');
  });

  it('a race lost between the read and the write is reuse: the grant is revoked, invalid_grant', async () => {
    repository.forcedRotation = { kind: 'notActive' };
    expect(await errorOf(redeem({ refresh_token: PRESENTED }))).toBe('invalid_grant');
    expect(repository.grants.get('grant-1')?.status).toBe('revoked');
  });

  it('a revoked grant is invalid_grant', async () => {
    await repository.revokeGrant('grant-1');
    expect(await errorOf(redeem({ refresh_token: PRESENTED }))).toBe('invalid_grant');
    expect(repository.tokens.get(sha256(PRESENTED))?.status).toBe('active');
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
