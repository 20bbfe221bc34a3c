/**
 * The authentication request parameters of CIBA Core §7.1, read from the form.
 *
 * A signed request (CIBA Core §7.1.1) carries the same parameters inside a JWT; it arrives with the
 * signed-requests work and produces this same shape, so the steps after it do not change.
 */
import { InvalidRequest } from '../errors.js';
import type { FormParameters } from '../http/form.js';

export interface AuthenticationParameters {
  readonly scope?: string;
  readonly clientNotificationToken?: string;
  readonly acrValues?: string;
  readonly loginHintToken?: string;
  readonly idTokenHint?: string;
  readonly loginHint?: string;
  readonly bindingMessage?: string;
  readonly userCode?: string;
  /** As sent: a form string, or inside a signed request a JSON number or numeric string. */
  readonly requestedExpiry?: string | number;
}

export function readAuthenticationParameters(params: FormParameters): AuthenticationParameters {
  if (params.has('request')) {
    throw new InvalidRequest('signed authentication requests (the request parameter) are not available in this version');
  }
  return {
    scope: params.get('scope'),
    clientNotificationToken: params.get('client_notification_token'),
    acrValues: params.get('acr_values'),
    loginHintToken: params.get('login_hint_token'),
    idTokenHint: params.get('id_token_hint'),
    loginHint: params.get('login_hint'),
    bindingMessage: params.get('binding_message'),
    userCode: params.get('user_code'),
    requestedExpiry: params.get('requested_expiry'),
  };
}
