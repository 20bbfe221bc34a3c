import { AccessDenied, AuthorizationPending, ExpiredToken, InvalidGrant, SlowDown } from '../errors.js';
import type { AuthRequest } from '../model.js';
import { pacePolls } from './pace-polls.js';

/**
 * Decides what a recorded poll gets (CIBA Core §11). Returns only when this poll may redeem the
 * request; every other outcome is the error the specification names.
 *
 * Exactly one poll can redeem: the approval fixed its number (`redeemAtPoll`), and each poll's
 * number comes from one atomic increment, so no two polls ever see the same one.
 */
export function judgePoll(request: AuthRequest, now: number): void {
  // The code checks expiry itself: DynamoDB's TTL deletes items late, sometimes days late.
  if (now >= request.expiresAt) throw new ExpiredToken('the auth_req_id has expired');
  switch (request.status) {
    case 'approved':
      if (request.pollCount === request.redeemAtPoll) return;
      throw new InvalidGrant('the auth_req_id has already been redeemed');
    case 'denied':
      throw new AccessDenied('the user denied the authentication request');
    case 'pending': {
      const pace = pacePolls(request.pollTimes, request.interval);
      if (pace.tooSoon) throw new SlowDown(`polling too fast: wait at least ${pace.interval} seconds between token requests`);
      throw new AuthorizationPending('the user has not yet answered the authentication request');
    }
  }
}

/**
 * A poll the store did not record because the request has seen the most polls it keeps. The
 * redeeming poll of an approved request is always recorded, so an approved request here has been
 * redeemed already.
 */
export function judgeUnrecordedPoll(request: AuthRequest, now: number): never {
  if (now >= request.expiresAt) throw new ExpiredToken('the auth_req_id has expired');
  if (request.status === 'approved') throw new InvalidGrant('the auth_req_id has already been redeemed');
  if (request.status === 'denied') throw new AccessDenied('the user denied the authentication request');
  throw new SlowDown('too many token requests for this auth_req_id: slow down');
}
