/**
 * The CIBA grant at the token endpoint (CIBA Core §10.1, §11).
 */
import { InvalidGrant, InvalidRequest, UnauthorizedClient } from '../errors.js';
import type { FormParameters } from '../http/form.js';
import { CIBA_GRANT_TYPE, type Client } from '../model.js';
import type { Dependencies } from '../ports.js';
import { judgePoll, judgeUnrecordedPoll } from './judge-poll.js';
import { mintTokenResponse, type TokenResponse } from './mint-token-response.js';
import { issuesRefreshToken } from './refresh/refresh-policy.js';
import { startRefreshGrant } from './refresh/start-refresh-grant.js';

type CibaGrantDependencies = Pick<Dependencies, 'config' | 'clock' | 'authRequests' | 'refreshTokens' | 'signer'>;

/** auth_req_ids are 43 base64url characters; anything far from that names no request. */
const MAX_AUTH_REQ_ID_LENGTH = 128;

export async function redeemAuthReqId(form: FormParameters, client: Client, deps: CibaGrantDependencies): Promise<TokenResponse> {
  if (!client.metadata.grant_types.includes(CIBA_GRANT_TYPE)) {
    throw new UnauthorizedClient('the client is not registered for the CIBA grant type');
  }
  // CIBA Core §10.3: a push client receives its tokens at its notification endpoint, never here.
  if (client.metadata.backchannel_token_delivery_mode === 'push') {
    throw new UnauthorizedClient('the client is registered for push mode: tokens are delivered to its notification endpoint');
  }
  const authReqId = form.get('auth_req_id');
  if (authReqId === undefined) throw new InvalidRequest('auth_req_id is required');
  // Stay indistinguishable: malformed, unknown and other clients' ids all get the same answer.
  if (authReqId.length > MAX_AUTH_REQ_ID_LENGTH) throw new InvalidGrant('unknown auth_req_id');

  const now = deps.clock.now();
  const poll = await deps.authRequests.recordPoll(authReqId, client.clientId, now);
  if (poll.kind === 'unknown') throw new InvalidGrant('unknown auth_req_id');
  if (poll.kind === 'limitReached') judgeUnrecordedPoll(poll.request, now);
  judgePoll(poll.request, now);
  // OIDC Core §11: a refresh token with offline_access, stored (hashed) before it is handed out.
  const refreshToken = issuesRefreshToken(client, poll.request.scope) ? await startRefreshGrant(poll.request, deps, now) : undefined;
  return mintTokenResponse(poll.request, deps.config, deps.signer, now, refreshToken);
}
