/**
 * CIBA Core §7.1 user_code: a secret the user knows, which stops a client (or anyone holding its
 * credentials) from spamming the user's device with requests. Required when the client registered
 * backchannel_user_code_parameter and the user has one. Repeated wrong codes lock the user's CIBA
 * requests for a while: without that, a short code falls to guessing.
 */
import { BackchannelAccessDenied, InvalidUserCode, MissingUserCode } from '../errors.js';
import type { Client, User } from '../model.js';
import type { Clock, UserDirectory } from '../ports.js';
import { userCodeMatches } from '../secrets/user-code-hash.js';

/** Wrong codes in a row before the lock. */
export const USER_CODE_MAX_FAILURES = 5;
/** How long the lock lasts. */
export const USER_CODE_LOCK_SECONDS = 15 * 60;

/** CIBA Core §13 access_denied: a locked user gets no requests at all, whatever the client. */
export function checkUserNotLocked(user: User, clock: Clock): void {
  if (user.lockedUntil !== undefined && user.lockedUntil > clock.now()) {
    throw new BackchannelAccessDenied('requests for this user are locked after repeated wrong user codes; try again later');
  }
}

export async function checkUserCode(user: User, client: Client, userCode: string | undefined, deps: { users: UserDirectory; clock: Clock }): Promise<void> {
  if (client.metadata.backchannel_user_code_parameter !== true || user.userCodeHash === undefined) return;
  if (userCode === undefined) throw new MissingUserCode('this client must send the user_code');
  if (userCode.length <= 256 && (await userCodeMatches(userCode, user.userCodeHash))) {
    // "In a row": a right code starts the count again.
    await deps.users.clearUserCodeFailures(user.sub);
    return;
  }
  const now = deps.clock.now();
  await deps.users.recordUserCodeFailure(user, now, { maxFailures: USER_CODE_MAX_FAILURES, lockUntil: now + USER_CODE_LOCK_SECONDS * 1000 });
  throw new InvalidUserCode('the user_code is wrong');
}
