/**
 * An operator's re-drive of a dead letter: the request is marked, the table's stream turns the mark
 * into a new delivery (attempts start again), and the letter leaves the list.
 */
import type { AuthRequestRepository, Clock, DeadLetterRepository } from '../ports.js';

export type RedriveOutcome = 'redriven' | 'requestGone';

export async function redriveDeadLetter(authReqId: string, deps: { authRequests: AuthRequestRepository; deadLetters: DeadLetterRepository; clock: Clock }): Promise<RedriveOutcome> {
  const marked = await deps.authRequests.requestRedrive(authReqId, deps.clock.now());
  // Marked first: a failure between the two writes leaves a listed letter whose delivery is under way,
  // never a removed letter with no delivery.
  await deps.deadLetters.remove(authReqId);
  return marked ? 'redriven' : 'requestGone';
}
