import { InvalidRequest } from '../errors.js';
import type { Client } from '../model.js';

/** RFC 6750 §2.1 b64token: the characters a bearer token may have. */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** CIBA Core §7.1: the provider must accept client_notification_token values up to 1024 characters. */
export const MAX_NOTIFICATION_TOKEN_LENGTH = 1024;

/**
 * CIBA Core §7.1 client_notification_token: REQUIRED for ping and push clients, a bearer token the
 * provider sends back on the notification. Poll clients' tokens are ignored.
 */
export function checkNotificationToken(token: string | undefined, client: Client): string | undefined {
  const mode = client.metadata.backchannel_token_delivery_mode;
  if (mode !== 'ping' && mode !== 'push') return undefined;
  if (token === undefined) throw new InvalidRequest(`client_notification_token is required for ${mode} mode`);
  if (token.length > MAX_NOTIFICATION_TOKEN_LENGTH) throw new InvalidRequest(`client_notification_token is longer than ${MAX_NOTIFICATION_TOKEN_LENGTH} characters`);
  if (!BEARER_TOKEN.test(token)) throw new InvalidRequest('client_notification_token must be a bearer token (RFC 6750 b64token characters)');
  return token;
}
