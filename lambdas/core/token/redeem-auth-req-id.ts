/**
 * The CIBA grant at the token endpoint (CIBA Core §10.1, §11).
 */
import { InvalidGrant, InvalidRequest, UnauthorizedClient } from '../errors.js';
import type { FormParameters } from '../http/form.js';
import { CIBA_GRANT_TYPE, type Client } from '../model.js';
import type { Dependencies } from '../ports.js';
import { checkResources } from '../resource-indicators/check-resources.js';
import { narrowResources } from '../resource-indicators/narrow-resources.js';
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

  const resources = await resourcesAsked(form, authReqId, client, deps);
  const now = deps.clock.now();
  const poll = await deps.authRequests.recordPoll(authReqId, client.clientId, now);
  if (poll.kind === 'unknown') throw new InvalidGrant('unknown auth_req_id');
  if (poll.kind === 'limitReached') judgeUnrecordedPoll(poll.request, now);
  judgePoll(poll.request, now);
  // OIDC Core §11: a refresh token with offline_access, stored (hashed) before it is handed out. Its
  // grant keeps every requested resource, whatever this access token was narrowed to.
  const refreshToken = issuesRefreshToken(client, poll.request.scope) ? await startRefreshGrant(poll.request, deps, now) : undefined;
  const forToken = resources !== undefined ? { ...poll.request, resources } : poll.request;
  return mintTokenResponse(forToken, deps.config, deps.signer, now, refreshToken);
}

/**
 * RFC 8707 §2.2: the token request's `resource` values, checked against those of the authentication
 * request; undefined when it names none. Checked before the poll is recorded: the redeeming poll is
 * the only one that may have the tokens, so refusing it afterwards would lose them. The extra read
 * is made only when `resource` is present, and cannot race: a request's resources never change.
 */
async function resourcesAsked(form: FormParameters, authReqId: string, client: Client, deps: CibaGrantDependencies): Promise<readonly string[] | undefined> {
  const asked = form.getAll('resource');
  // A malformed resource is invalid_target whatever the auth_req_id names: no read for it.
  if (checkResources(asked) === undefined) return undefined;
  const request = await deps.authRequests.find(authReqId);
  // Unknown, or another client's: recordPoll gives the usual invalid_grant, indistinguishably.
  if (request === undefined || request.clientId !== client.clientId) return undefined;
  return narrowResources(asked, request.resources, deps.config.tokens.accessTokenAudience);
}
