import { InvalidBindingMessage, InvalidRequest } from '../errors.js';
import type { Client } from '../model.js';
import { isFapi } from '../client-authentication/client-profile.js';

/** The longest binding_message accepted, in Unicode code points. PSD2 sentences need about 120. */
export const MAX_BINDING_MESSAGE_LENGTH = 256;

// The message is shown on the user's phone and must read there exactly as the client meant it:
// control characters (Cc), line and paragraph separators, and bidirectional overrides and isolates
// (which can make "£500 to 5589" display as something else) are refused. Emoji with their joiners
// and every script pass.
const UNDISPLAYABLE = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** CIBA Core §7.1 binding_message; §13 invalid_binding_message. */
export function checkBindingMessage(bindingMessage: string | undefined, client?: Client): string | undefined {
  if (bindingMessage === undefined) {
    // FAPI-CIBA §5.2.2: the client shall send a binding_message, so the user can tie the two devices.
    if (client && isFapi(client)) throw new InvalidRequest('the fapi profile requires a binding_message');
    return undefined;
  }
  if (!bindingMessage.isWellFormed()) throw new InvalidBindingMessage('binding_message is not well-formed Unicode');
  if (UNDISPLAYABLE.test(bindingMessage)) {
    throw new InvalidBindingMessage('binding_message contains control or bidirectional formatting characters');
  }
  if ([...bindingMessage].length > MAX_BINDING_MESSAGE_LENGTH) {
    throw new InvalidBindingMessage(`binding_message is longer than ${MAX_BINDING_MESSAGE_LENGTH} characters`);
  }
  if (bindingMessage.trim() === '') throw new InvalidBindingMessage('binding_message is blank');
  return bindingMessage;
}
