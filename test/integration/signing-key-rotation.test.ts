/**
 * Key rotation against DynamoDB Local, in both deployed signing modes (`kms` and `envelope`, KMS at the
 * SDK boundary with real keys: test/support/kms.ts): the JWKS publishes the next key before it signs
 * and the previous one after, so tokens verify across a rotation; concurrent rotations apply once.
 */
import { ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbKeyRingStore } from '../../lambdas/adapters/dynamodb/key-ring-store.js';
import { EnvelopeSigningKeyFactory } from '../../lambdas/adapters/signing/envelope-key-factory.js';
import { KeyRingSigner } from '../../lambdas/adapters/signing/key-ring-signer.js';
import { KmsSigningKeyFactory } from '../../lambdas/adapters/signing/kms-key-factory.js';
import { LocalSigningKeyFactory } from '../../lambdas/adapters/signing/local-key-factory.js';
import { KmsSigningKeyOpener } from '../../lambdas/adapters/signing/signing-key-opener.js';
import { signJwt } from '../../lambdas/core/jwt/sign-jwt.js';
import type { Clock, Signer, SigningKeyFactory } from '../../lambdas/core/ports.js';
import { keyInState } from '../../lambdas/core/signing-keys/key-ring.js';
import { ensureSigningKeys, rotateSigningKeys } from '../../lambdas/core/signing-keys/rotate-signing-keys.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { startTestKms } from '../support/kms.js';
import { createOwnTable } from '../support/workers.js';
import { sdkDynamoDb } from '../../lambdas/adapters/dynamodb/sdk-dynamodb.js';

const dynamodb = localDynamoDbClient(inject('dynamoDbEndpoint'));
const kms = startTestKms();
afterAll(() => {
  kms.restore();
  dynamodb.destroy();
});

const clock: Clock = { now: () => Date.now() };
const opener = new KmsSigningKeyOpener(() => kms.client);

interface Setup {
  readonly store: DynamoDbKeyRingStore;
  readonly factory: SigningKeyFactory;
  /** A signer that reads the ring on every use, as a function does once its cache expired. */
  readonly signer: Signer;
}

async function setUp(mode: 'kms' | 'envelope' | 'local'): Promise<Setup> {
  const table = `ciba-test-keys-${mode}-${randomBytes(4).toString('hex')}`;
  await createOwnTable(table);
  const store = new DynamoDbKeyRingStore(sdkDynamoDb(dynamodb), table);
  const factory =
    mode === 'kms' ? new KmsSigningKeyFactory(kms.client, `ring-${table}`, 7) : mode === 'envelope' ? new EnvelopeSigningKeyFactory(kms.client, kms.addWrappingKey()) : new LocalSigningKeyFactory();
  return { store, factory, signer: new KeyRingSigner(store, opener, clock, { cacheSeconds: 0 }) };
}

const token = (signer: Signer, n: number): Promise<string> => signJwt(signer, { typ: 'JWT' }, { iss: 'https://ciba.test', n });

/** Verifies as a relying party does: against the JWKS as published now. */
async function verifiesNow(signer: Signer, jwt: string): Promise<boolean> {
  const jwks = createLocalJWKSet({ keys: [...(await signer.publishedKeys())] });
  return jwtVerify(jwt, jwks, { algorithms: ['ES256'], issuer: 'https://ciba.test' }).then(
    () => true,
    () => false,
  );
}

const kids = async (signer: Signer): Promise<string[]> => (await signer.publishedKeys()).map((key) => key.kid);

describe.each(['kms', 'envelope'] as const)('signing key rotation, %s mode', (mode) => {
  let setup: Setup;
  beforeAll(async () => {
    setup = await setUp(mode);
  });

  it('verifies tokens across a rotation, and stops verifying what a retired key signed', async () => {
    const deps = { store: setup.store, factory: setup.factory, clock };
    const first = await ensureSigningKeys(deps);
    expect(first.keys.map((key) => key.material.kind)).toEqual([mode, mode]);
    const before = await token(setup.signer, 1);
    const nextKid = keyInState(first, 'next')!.kid;
    // The next key is published before it signs anything.
    expect(await kids(setup.signer)).toEqual([keyInState(first, 'current')!.kid, nextKid]);

    const rotated = await rotateSigningKeys(deps);
    expect(rotated.outcome).toBe('rotated');
    const after = await token(setup.signer, 2);
    expect(decodeProtectedHeader(after).kid).toBe(nextKid);
    expect(await kids(setup.signer)).toHaveLength(3);
    expect(await verifiesNow(setup.signer, before)).toBe(true);
    expect(await verifiesNow(setup.signer, after)).toBe(true);

    const again = await rotateSigningKeys(deps);
    expect(again.outcome === 'rotated' && again.retired.map((key) => key.kid)).toEqual([decodeProtectedHeader(before).kid]);
    expect(await verifiesNow(setup.signer, before)).toBe(false);
    expect(await verifiesNow(setup.signer, after)).toBe(true);
    expect(await verifiesNow(setup.signer, await token(setup.signer, 3))).toBe(true);
  });

  it('keeps a warm function signing with its cached key through a rotation, and what it signs still verifies', async () => {
    const deps = { store: setup.store, factory: setup.factory, clock };
    const warm = new KeyRingSigner(setup.store, opener, clock, { cacheSeconds: 300 });
    const early = await token(warm, 1);
    await rotateSigningKeys(deps);
    const late = await token(warm, 2);
    expect(decodeProtectedHeader(late).kid).toBe(decodeProtectedHeader(early).kid);
    // A relying party with the freshly published JWKS (from a function that read the ring since).
    expect(await verifiesNow(setup.signer, late)).toBe(true);
  });

  it('applies one of two concurrent rotations that read the same ring, and destroys the fresh key of the other', async () => {
    // Both rotations read the ring before either writes: what decides is the conditional write alone.
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const racing = {
      read: async () => {
        const ring = await setup.store.read();
        // Each rotation reads once before it writes; the first two reads wait for each other.
        if (++arrived === 2) release();
        if (arrived <= 2) await bothRead;
        return ring;
      },
      write: setup.store.write.bind(setup.store),
    };
    const deps = { store: racing, factory: setup.factory, clock };
    const version = (await setup.store.read())!.version;
    kms.mock.resetHistory();
    const outcomes = await Promise.all([rotateSigningKeys(deps), rotateSigningKeys(deps)]);
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(['rotated', 'skipped']);
    expect((await setup.store.read())!.version).toBe(version + 1);
    if (mode === 'kms') {
      // The retired key of the rotation that applied, and the loser's never-published fresh key.
      expect(kms.mock.commandCalls(ScheduleKeyDeletionCommand)).toHaveLength(2);
    }
  });

  it('skips a rotation asked for too soon after the last (a schedule event delivered twice)', async () => {
    const deps = { store: setup.store, factory: setup.factory, clock };
    const version = (await setup.store.read())!.version;
    const outcome = await rotateSigningKeys(deps, { minimumAgeMs: 60_000 });
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/changed \d+ s ago/) });
    expect((await setup.store.read())!.version).toBe(version);
  });

  it('drops the signing key from the JWKS at once when it is compromised', async () => {
    const deps = { store: setup.store, factory: setup.factory, clock };
    const before = await token(setup.signer, 1);
    const outcome = await rotateSigningKeys(deps, { compromised: true });
    expect(outcome.outcome).toBe('rotated');
    expect(await kids(setup.signer)).toHaveLength(2);
    expect(await verifiesNow(setup.signer, before)).toBe(false);
  });
});

describe('changing the signing mode', () => {
  it('switches to keys of the new mode at once, keeping the old signing key published', async () => {
    const setup = await setUp('kms');
    const kmsRing = await ensureSigningKeys({ store: setup.store, factory: setup.factory, clock });
    const before = await token(setup.signer, 1);
    const envelope = new EnvelopeSigningKeyFactory(kms.client, kms.addWrappingKey());
    const switched = await ensureSigningKeys({ store: setup.store, factory: envelope, clock });
    expect(keyInState(switched, 'current')!.material.kind).toBe('envelope');
    expect(keyInState(switched, 'next')!.material.kind).toBe('envelope');
    expect(keyInState(switched, 'previous')!.kid).toBe(keyInState(kmsRing, 'current')!.kid);
    expect(await verifiesNow(setup.signer, before)).toBe(true);
    // Idempotent once the ring is of the configured mode.
    expect((await ensureSigningKeys({ store: setup.store, factory: envelope, clock })).version).toBe(switched.version);
  });
});

describe('a missing key ring', () => {
  it('is an error for a deployed function, and made on first use by the local runner', async () => {
    const setup = await setUp('local');
    await expect(setup.signer.currentKey()).rejects.toThrow(/no signing key ring/);
    const local = new KeyRingSigner(setup.store, opener, clock, {
      cacheSeconds: 60,
      initialise: () => ensureSigningKeys({ store: setup.store, factory: setup.factory, clock }),
    });
    const [a, b] = await Promise.all([local.currentKey(), local.currentKey()]);
    expect(a.kid).toBe(b.kid);
    expect(await verifiesNow(local, await token(local, 1))).toBe(true);
  });
});
