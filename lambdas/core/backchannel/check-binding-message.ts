import { InvalidBindingMessage, InvalidRequest } from '../errors.js';
import type { Client } from '../model.js';
import { isDisplaySafe } from '../display-text.js';
import { isFapi } from '../client-authentication/client-profile.js';

/** The longest binding_message accepted, in Unicode code points. PSD2 sentences need about 120. */
export const MAX_BINDING_MESSAGE_LENGTH = 256;


/** CIBA Core §7.1 binding_message; §13 invalid_binding_message. */
export function checkBindingMessage(bindingMessage: string | undefined, client?: Client): string | undefined {
  if (bindingMessage === undefined) {
    // FAPI-CIBA §5.2.2: the client shall send a binding_message, so the user can tie the two devices.
    if (client && isFapi(client)) throw new InvalidRequest('the fapi profile requires a binding_message');
    return undefined;
  }
  if (!bindingMessage.isWellFormed()) throw new InvalidBindingMessage('binding_message is not well-formed Unicode');
  // The message is shown on the user's phone and must read there exactly as the client meant it.
  if (!isDisplaySafe(bindingMessage)) {
    throw new InvalidBindingMessage('binding_message contains control or bidirectional formatting characters');
  }
  if ([...bindingMessage].length > MAX_BINDING_MESSAGE_LENGTH) {
    throw new InvalidBindingMessage(`binding_message is longer than ${MAX_BINDING_MESSAGE_LENGTH} characters`);
  }
  if (bindingMessage.trim() === '') throw new InvalidBindingMessage('binding_message is blank');
  return bindingMessage;
}
