/**
 * The dynamic client registration endpoint (RFC 7591 §3), protected by an initial access token.
 */
import { invalidBearerToken, InvalidClientMetadata } from '../errors.js';
import { readJsonObject } from '../http/form.js';
import { header, json, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { Dependencies } from '../ports.js';
import { secretMatches, hashSecret } from '../secrets/secrets.js';
import { clientInformation, createClient } from './create-client.js';
import { metadataPolicy, validateClientMetadata } from './validate-client-metadata.js';

type RegistrationDependencies = Pick<Dependencies, 'config' | 'clock' | 'clients' | 'initialAccessToken' | 'notificationSender'>;

/** RFC 7591 §3 and RFC 6750 §2.1: `Authorization: Bearer <initial access token>`. */
async function checkInitialAccessToken(request: HttpRequest, deps: RegistrationDependencies): Promise<void> {
  const expected = await deps.initialAccessToken();
  // Without a configured token nobody may register: an open registration endpoint is never a default.
  if (expected === undefined) throw invalidBearerToken('registration is closed: no initial access token is configured');
  const match = /^Bearer ([\x21-\x7E]+)$/i.exec(header(request, 'authorization') ?? '');
  if (!match?.[1] || !secretMatches(match[1], hashSecret(expected))) {
    throw invalidBearerToken('a valid initial access token is required');
  }
}

/**
 * No SSRF through notifications: an endpoint whose host is or resolves to a loopback, private,
 * link-local, unique-local or cloud-metadata address is refused here, and again at every delivery.
 */
async function checkNotificationEndpoint(endpoint: string | undefined, deps: RegistrationDependencies): Promise<void> {
  if (endpoint === undefined) return;
  const problem = await deps.notificationSender.check(endpoint);
  // The reason stays in the log: telling a registering client which internal names resolve would
  // turn registration into a map of the provider's network.
  if (problem) {
    console.warn(JSON.stringify({ level: 'WARN', message: 'notification endpoint refused at registration', reason: problem }));
    throw new InvalidClientMetadata('backchannel_client_notification_endpoint must be an https URL whose host resolves to public addresses only');
  }
}

export async function registerClient(request: HttpRequest, deps: RegistrationDependencies): Promise<HttpResponse> {
  await checkInitialAccessToken(request, deps);
  const input = readJsonObject(request, InvalidClientMetadata);
  const metadata = validateClientMetadata(input, metadataPolicy(deps.config));
  await checkNotificationEndpoint(metadata.backchannel_client_notification_endpoint, deps);
  const created = await createClient(metadata, deps.clients, deps.clock);
  return json(201, clientInformation(created));
}
