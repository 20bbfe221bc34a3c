/**
 * `ciba keys list|rotate`: the provider's signing keys (README, "Signing keys"). Rotating from here does
 * what the schedule does, with your credentials: it makes keys of the mode the ring is in (`local`,
 * `envelope` with the same wrapping key, `kms` with the same key-ring tag) and stores the new ring with
 * a conditional write, so it cannot collide with the schedule.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { EnvelopeSigningKeyFactory } from '../../lambdas/adapters/signing/envelope-key-factory.js';
import { KmsSigningKeyFactory } from '../../lambdas/adapters/signing/kms-key-factory.js';
import { LocalSigningKeyFactory } from '../../lambdas/adapters/signing/local-key-factory.js';
import { systemClock, type SigningKeyFactory } from '../../lambdas/core/ports.js';
import { keyInState, type KeyRing } from '../../lambdas/core/signing-keys/key-ring.js';
import { rotateSigningKeys } from '../../lambdas/core/signing-keys/rotate-signing-keys.js';
import type { Commands } from '../command.js';
import { isoTime } from '../output.js';
import type { Target } from '../options.js';

/**
 * Without --force, a rotation within a day of the last one is refused: relying parties cache the JWKS
 * (commonly for hours), and rotating twice in a row would sign with a key they may not have fetched yet.
 */
const MINIMUM_AGE_MS = 24 * 3600 * 1000;

/** Keys of the mode the ring's current key is in. */
function factoryFor(ring: KeyRing, target: Target): SigningKeyFactory {
  const current = keyInState(ring, 'current');
  if (!current) throw new Error('the key ring has no current key');
  const material = current.material;
  switch (material.kind) {
    case 'local':
      return new LocalSigningKeyFactory();
    case 'envelope':
      return new EnvelopeSigningKeyFactory(new KMSClient({ region: target.region }), material.wrappingKeyId);
    case 'kms':
      return new KmsSigningKeyFactory(new KMSClient({ region: target.region }), material.keyRingTag, 30);
  }
}

function describe(ring: KeyRing): string {
  const lines = [`key ring version ${ring.version}, last changed ${isoTime(ring.rotatedAt)}`];
  for (const state of ['current', 'next', 'previous'] as const) {
    const key = keyInState(ring, state);
    if (key) lines.push(`  ${state.padEnd(8)} ${key.kid}  ${key.material.kind.padEnd(8)} made ${isoTime(key.createdAt)}`);
  }
  return lines.join('\n');
}

/** What may be shown of a ring: ids, states and modes, never key material. */
function summary(ring: KeyRing): Record<string, unknown> {
  return {
    version: ring.version,
    rotatedAt: ring.rotatedAt,
    keys: ring.keys.map((key) => ({ kid: key.kid, state: key.state, mode: key.material.kind, createdAt: key.createdAt })),
  };
}

export const keys: Commands = {
  list: {
    usage: 'list',
    requiredArguments: 0,
    async run({ output, repositories }) {
      const ring = await repositories().keyRing.read();
      if (!ring) throw new Error('no signing keys yet: a deployment makes them, and the local runner on its first token');
      output.print(describe(ring), summary(ring));
    },
  },
  rotate: {
    usage: 'rotate [--force] [--compromised]\n--force: even within a day of the last change; --compromised: drop the current key from the JWKS at once',
    requiredArguments: 0,
    async run({ flags, output, repositories, target }) {
      const store = repositories().keyRing;
      const ring = await store.read();
      if (!ring) throw new Error('no signing keys yet: a deployment makes them, and the local runner on its first token');
      const result = await rotateSigningKeys(
        { store, factory: factoryFor(ring, target), clock: systemClock, warn: (message, detail) => console.error(`warning: ${message} ${JSON.stringify(detail)}`) },
        { ...(flags.force ? {} : { minimumAgeMs: MINIMUM_AGE_MS }), ...(flags.compromised ? { compromised: true } : {}) },
      );
      if (result.outcome === 'skipped') {
        output.print(`Not rotated: ${result.reason}.${flags.force ? '' : ' Use --force to rotate anyway.'}\n${describe(result.ring)}`, { outcome: 'skipped', reason: result.reason, ...summary(result.ring) });
        process.exitCode = 1;
        return;
      }
      output.print(
        `Rotated. Functions pick up the new signing key within CIBA_SIGNING_KEY_RING_CACHE_SECONDS (300 s by default).\n${describe(result.ring)}` +
          (result.retired.length > 0 ? `\n  retired  ${result.retired.map((key) => key.kid).join(', ')}` : ''),
        { outcome: 'rotated', retired: result.retired.map((key) => key.kid), ...summary(result.ring) },
      );
    },
  },
};
