import { InvalidRequest } from '../errors.js';

/**
 * Open Banking: `openbanking_intent_id`, the consent (intent) the client registered with the bank's
 * API before asking the user to authorise it. It is passed to the authentication service and returned
 * in the tokens, so the resource server can tie the token to the consent.
 */
export function checkOpenBankingIntentId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(value)) throw new InvalidRequest('openbanking_intent_id must be 1 to 128 letters, digits, ".", "_", ":" or "-"');
  return value;
}
