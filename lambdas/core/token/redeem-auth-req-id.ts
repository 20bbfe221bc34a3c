/**
 * The CIBA grant at the token endpoint (CIBA Core §10.1, §11).
 */
import { InvalidGrant, InvalidRequest, UnauthorizedClient } from '../errors.js';
import type { FormParameters } from '../http/form.js';
import { CIBA_GRANT_TYPE, type Client } from '../model.js';
import type { Dependencies } from '../ports.js';
import { judgePoll, judgeUnrecordedPoll } from './judge-poll.js';
import { mintTokenResponse, type TokenResponse } from './mint-token-response.js';

type CibaGrantDependencies = Pick<Dependencies, 'config' | 'clock' | 'authRequests' | 'signer'>;

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
  return mintTokenResponse(poll.request, deps.config, deps.signer, now);
}
