/**
 * The backchannel authentication endpoint (CIBA Core §7), as the sequence of its steps.
 */
import { authenticateClient } from '../client-authentication/authenticate-client.js';
import { readForm } from '../http/form.js';
import { json, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { Dependencies } from '../ports.js';
import { readFormParameters } from './authentication-parameters.js';
import { readSignedRequest } from './read-signed-request.js';
import { checkAuthorizationDetails } from '../authorization-details/check-authorization-details.js';
import { checkBindingMessage } from './check-binding-message.js';
import { checkClientMayUseCiba } from './check-client-may-use-ciba.js';
import { checkRequestedExpiry } from './check-requested-expiry.js';
import { checkNotificationToken } from './check-notification-token.js';
import { checkScope } from './check-scope.js';
import { checkUserCode, checkUserNotLocked } from './check-user-code.js';
import { chooseAcr } from './choose-acr.js';
import { findHintedUser } from './find-hinted-user.js';
import { findReachableDevices } from './find-reachable-devices.js';
import { storeAuthenticationRequest } from './store-authentication-request.js';
import { checkOpenBankingIntentId } from './check-openbanking-intent-id.js';
import { checkResources } from '../resource-indicators/check-resources.js';
import { EXTERNAL_TIME_BUDGET_MS, externalRequest, startExternalAuthentication, verifyWithExternalService } from '../external/external-channel.js';
import { hashSecret, randomToken } from '../secrets/secrets.js';

type BackchannelDependencies = Pick<Dependencies, 'config' | 'clock' | 'clients' | 'users' | 'authRequests' | 'jwks' | 'replay' | 'signer' | 'externalService'>;

export async function backchannelAuthentication(request: HttpRequest, deps: BackchannelDependencies): Promise<HttpResponse> {
  const form = readForm(request);
  const client = await authenticateClient(request, form, deps);
  checkClientMayUseCiba(client);
  const parameters = form.has('request') ? await readSignedRequest(form, client, deps) : readFormParameters(form, client);
  const scope = checkScope(parameters.scope, client);
  const bindingMessage = checkBindingMessage(parameters.bindingMessage, client);
  const authorizationDetails = checkAuthorizationDetails(parameters.authorizationDetails, client);
  const resources = checkResources(parameters.resources);
  const expiresIn = checkRequestedExpiry(parameters.requestedExpiry, deps.config.authRequest);
  const acr = chooseAcr(parameters.acrValues, client, deps.config);
  // The acr's policy decides who authenticates the user: their device, or the external service.
  const channel = (acr !== undefined ? deps.config.acrPolicies[acr]?.channel : undefined) ?? 'device';
  const openbankingIntentId = checkOpenBankingIntentId(parameters.openbankingIntentId);
  const notificationToken = checkNotificationToken(parameters.clientNotificationToken, client);
  // The user is looked up last: every cheaper check has passed by then.
  const user = await findHintedUser(parameters, client, deps);
  checkUserNotLocked(user, deps.clock);
  await checkUserCode(user, client, parameters.userCode, deps);
  const pushTargets = channel === 'device' ? findReachableDevices(user, deps.config) : [];
  const external = channel === 'external' ? externalRequest({ user, loginHint: parameters.loginHint, client, scope, acr, bindingMessage, openbankingIntentId }) : undefined;
  const externalDeadline = deps.clock.now() + EXTERNAL_TIME_BUDGET_MS;
  if (external) await verifyWithExternalService(deps.externalService, external, externalDeadline);
  const callbackCredential = external ? randomToken(32) : undefined;
  const interval = deps.config.authRequest.pollIntervalSeconds;
  const stored = await storeAuthenticationRequest(
    {
      client,
      user,
      scope,
      bindingMessage,
      authorizationDetails,
      resources,
      acr,
      userVerificationRequired: acr !== undefined && deps.config.acrPolicies[acr]?.userVerification === 'required',
      expiresIn,
      interval,
      notificationToken,
      pushTargets,
      channel,
      loginHint: parameters.loginHint,
      openbankingIntentId,
      callbackCredentialHash: callbackCredential !== undefined ? hashSecret(callbackCredential) : undefined,
      now: deps.clock.now(),
    },
    deps.authRequests,
  );
  if (external && deps.externalService && callbackCredential !== undefined) {
    await startExternalAuthentication(deps.externalService, stored, external, callbackCredential, deps.config.issuer, deps.authRequests, externalDeadline);
  }
  // CIBA Core §7.3: the successful response; interval matters to polling clients only.
  return json(200, { auth_req_id: stored.authReqId, expires_in: expiresIn, ...(stored.deliveryMode === 'push' ? {} : { interval }) });
}
