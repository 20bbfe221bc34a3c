/**
 * The authentication request parameters of CIBA Core §7.1, from the form or, for a signed request
 * (CIBA Core §7.1.1), from inside the JWT only.
 */
import { InvalidRequest } from '../errors.js';
import type { FormParameters } from '../http/form.js';
import type { Client } from '../model.js';
import { isFapi } from '../client-authentication/client-profile.js';

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
  /** RFC 9396: JSON text in a form, the JSON array itself inside a signed request. */
  readonly authorizationDetails?: unknown;
  /** Open Banking: the consent (intent) being authorised, as in the SecureAuth seed walkthrough. */
  readonly openbankingIntentId?: string;
  /** RFC 8707 §2: every `resource` the client named (the one parameter that may repeat), unchecked. */
  readonly resources?: readonly string[];
}

/** The parameter names, as on the wire, and where each goes. */
export const AUTHENTICATION_PARAMETERS = {
  scope: 'scope',
  client_notification_token: 'clientNotificationToken',
  acr_values: 'acrValues',
  login_hint_token: 'loginHintToken',
  id_token_hint: 'idTokenHint',
  login_hint: 'loginHint',
  binding_message: 'bindingMessage',
  user_code: 'userCode',
  requested_expiry: 'requestedExpiry',
  authorization_details: 'authorizationDetails',
  openbanking_intent_id: 'openbankingIntentId',
} as const satisfies Record<string, keyof AuthenticationParameters>;

type WireName = keyof typeof AUTHENTICATION_PARAMETERS;
export const WIRE_NAMES = Object.keys(AUTHENTICATION_PARAMETERS) as WireName[];

/** RFC 8707 §2: the resource indicator, kept apart from the others because it may repeat. */
export const RESOURCE_PARAMETER = 'resource';

/** Whether the client must send its authentication requests signed. */
export function requiresSignedRequest(client: Client): boolean {
  // CIBA Core §4: a client that registered a signing alg sends signed requests; FAPI-CIBA always.
  return client.metadata.backchannel_authentication_request_signing_alg !== undefined || isFapi(client);
}

export function readFormParameters(params: FormParameters, client: Client): AuthenticationParameters {
  if (requiresSignedRequest(client)) {
    throw new InvalidRequest('this client must send its authentication request as a signed request object (the request parameter)');
  }
  const parameters: Record<string, string | readonly string[]> = {};
  for (const name of WIRE_NAMES) {
    const value = params.get(name);
    if (value !== undefined) parameters[AUTHENTICATION_PARAMETERS[name]] = value;
  }
  const resources = params.getAll(RESOURCE_PARAMETER);
  if (resources.length > 0) parameters.resources = resources;
  return parameters;
}
