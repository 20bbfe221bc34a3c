/**
 * The signing keys' lifecycle in a deployed stack:
 * - at deployment, as the custom resource `Custom::SigningKeyRing` (CloudFormation invokes it and it
 *   answers through the event's response URL): Create and Update make sure a ring of the configured
 *   mode exists (the first keys, "generated at deploy"); Delete leaves the keys alone (the table that
 *   holds them is retained);
 * - on its schedule (an EventBridge rule, every CIBA_SIGNING_KEY_ROTATION_DAYS): one rotation. A
 *   schedule event delivered twice does not rotate twice (the rotation is skipped when the ring changed
 *   less than half a period ago).
 * `npx ciba keys rotate` does the same from an operator's machine.
 */
import { isCustomResourceRequest, sendCustomResourceResponse, type CustomResourceRequest } from '../adapters/http/cloudformation-response.js';
import { logger } from '../adapters/observability/powertools.js';
import { keyRingStore, signingKeyFactory } from '../adapters/signing/signer.js';
import { config } from '../config.js';
import { systemClock } from '../core/ports.js';
import { ensureSigningKeys, rotateSigningKeys, type KeyRotationDeps } from '../core/signing-keys/rotate-signing-keys.js';
import { keyInState } from '../core/signing-keys/key-ring.js';

const RING_RESOURCE_ID = 'signing-key-ring';

/** The provider's logger (its redaction included); what is logged here is key ids and states, never key material. */
function log(level: 'INFO' | 'WARN', message: string, detail: Record<string, unknown>): void {
  if (level === 'WARN') logger.warn(message, detail);
  else logger.info(message, detail);
}

export async function handler(event: unknown): Promise<Record<string, unknown>> {
  const settings = config();
  const deps: KeyRotationDeps = {
    store: keyRingStore(settings),
    factory: signingKeyFactory(settings),
    clock: systemClock,
    warn: (message, detail) => log('WARN', message, detail),
  };
  if (isCustomResourceRequest(event)) return answerDeployment(event, deps);
  const result = await rotateSigningKeys(deps, { minimumAgeMs: (settings.signing.rotationDays * 86_400_000) / 2 });
  const current = keyInState(result.ring, 'current')?.kid;
  if (result.outcome === 'skipped') log('INFO', 'signing key rotation skipped', { reason: result.reason, current });
  else log('INFO', 'signing keys rotated', { version: result.ring.version, current, next: keyInState(result.ring, 'next')?.kid, retired: result.retired.map((key) => key.kid) });
  return { outcome: result.outcome, current };
}

/** Always answers CloudFormation, failure included: an unanswered custom resource hangs the deployment. */
async function answerDeployment(request: CustomResourceRequest, deps: KeyRotationDeps): Promise<Record<string, unknown>> {
  let outcome: { status: 'SUCCESS' | 'FAILED'; reason?: string; data?: Record<string, string> };
  try {
    if (request.RequestType === 'Delete') {
      outcome = { status: 'SUCCESS', reason: 'signing keys kept with the table' };
    } else {
      const ring = await ensureSigningKeys(deps);
      const current = keyInState(ring, 'current')?.kid ?? '';
      log('INFO', 'signing keys ready', { version: ring.version, current });
      outcome = { status: 'SUCCESS', data: { CurrentKid: current } };
    }
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log('WARN', 'signing keys could not be made', { reason });
    outcome = { status: 'FAILED', reason };
  }
  await sendCustomResourceResponse(request, { ...outcome, physicalResourceId: RING_RESOURCE_ID });
  return { status: outcome.status };
}
