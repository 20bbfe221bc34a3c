/**
 * Client metadata validation for dynamic registration (RFC 7591 §2, CIBA Core §4) and the admin CLI.
 * Every problem is invalid_client_metadata with a description naming the field (RFC 7591 §3.2.2).
 */
import { createPublicKey } from 'node:crypto';
import type { Config } from '../../config.js';
import { InvalidClientMetadata } from '../errors.js';
import { CIBA_GRANT_TYPE, type CibaProfile, type ClientMetadata, type DeliveryMode, type PublicJwk, type TokenEndpointAuthMethod } from '../model.js';
import { FAPI_ALGORITHMS } from '../client-authentication/client-profile.js';
import { certificateMatchesJwk } from '../client-keys/x509.js';
import { isDisplaySafe } from '../display-text.js';
import { AUTHORIZATION_DETAILS_TYPES } from '../authorization-details/check-authorization-details.js';
import { IGNORED_SCOPES, SUPPORTED_SCOPES } from '../scopes.js';

/** Asymmetric JWS algorithms accepted for client keys. `none` and the HMAC family never are. */
export const CLIENT_SIGNING_ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA'] as const;
/** What this provider signs ID tokens with. */
export const ID_TOKEN_SIGNING_ALGS = ['ES256'] as const;
export const TOKEN_ENDPOINT_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/**
 * Grant types a client may register. The provider serves the CIBA grant; a client registered only
 * for others (an introspecting resource server, say) is stored and gets unauthorized_client here.
 */
const KNOWN_GRANT_TYPES = new Set([
  CIBA_GRANT_TYPE,
  'refresh_token',
  'authorization_code',
  'implicit',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:token-exchange',
]);

/** JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4). */
const PRIVATE_KEY_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export interface MetadataPolicy {
  readonly deliveryModes: Config['deliveryModes'];
  /** The local runner may allow plain http client URLs (jwks_uri, notification endpoints); a deployment never does. */
  readonly allowHttpUrls?: boolean;
  /** The profile of clients that do not name one. */
  readonly defaultProfile?: CibaProfile;
  /** The acr values the deployment offers (default_acr_values must be among them). */
  readonly acrValues?: readonly string[];
}

/** What a deployment's configuration allows clients to register. */
export function metadataPolicy(config: Pick<Config, 'deliveryModes' | 'allowHttpClientUrls' | 'defaultProfile' | 'acrValues'>): MetadataPolicy {
  return { deliveryModes: config.deliveryModes, allowHttpUrls: config.allowHttpClientUrls, defaultProfile: config.defaultProfile, acrValues: config.acrValues };
}

const fail = (description: string): never => {
  throw new InvalidClientMetadata(description);
};

function optionalString(input: Record<string, unknown>, name: string, maxLength = 2048): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') return fail(`${name} must be a non-empty string`);
  if (value.length > maxLength) return fail(`${name} is longer than ${maxLength} characters`);
  return value;
}

function optionalStringArray(input: Record<string, unknown>, name: string): string[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 50 || !value.every((item) => typeof item === 'string' && item.length > 0 && item.length <= 2048)) {
    return fail(`${name} must be an array of strings`);
  }
  return value as string[];
}

function url(name: string, value: string, policy: MetadataPolicy): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return fail(`${name} is not a URL`);
  }
  if (parsed.hash) fail(`${name} must not contain a fragment`);
  const loopbackHttp = parsed.protocol === 'http:' && policy.allowHttpUrls === true;
  if (parsed.protocol !== 'https:' && !loopbackHttp) fail(`${name} must be an https URL`);
  return value;
}

function signingAlg(input: Record<string, unknown>, name: string, allowed: readonly string[]): string | undefined {
  const value = optionalString(input, name, 16);
  if (value !== undefined && !allowed.includes(value)) fail(`${name} must be one of ${allowed.join(', ')}`);
  return value;
}

function publicJwks(value: unknown): { keys: PublicJwk[] } {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { keys?: unknown }).keys)) {
    return fail('jwks must be a JWK Set: an object with a keys array');
  }
  const keys = (value as { keys: unknown[] }).keys;
  if (keys.length === 0 || keys.length > 10) fail('jwks must hold between 1 and 10 keys');
  for (const key of keys) {
    if (typeof key !== 'object' || key === null) fail('jwks holds a key that is not an object');
    const jwk = key as Record<string, unknown>;
    if (jwk.kty === 'oct') fail('jwks must not hold symmetric keys');
    if (PRIVATE_KEY_MEMBERS.some((member) => member in jwk)) fail('jwks must hold public keys only: a key has private key members');
    try {
      createPublicKey({ key: jwk as unknown as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch {
      fail(`jwks holds a key that is not a valid public ${typeof jwk.kty === 'string' ? jwk.kty : ''} key`.replace('  ', ' '));
    }
    // RFC 7517 §4.7: the first certificate of x5c holds the key; a mismatch means a confused client.
    if (jwk.x5c !== undefined) {
      const first = Array.isArray(jwk.x5c) ? jwk.x5c[0] : undefined;
      if (typeof first !== 'string' || !certificateMatchesJwk(first, jwk)) fail('jwks holds a key whose x5c certificate does not match the key');
    }
  }
  const kids = keys.map((key) => (key as PublicJwk).kid).filter((kid) => kid !== undefined);
  if (new Set(kids).size !== kids.length) fail('jwks holds two keys with the same kid');
  return { keys: keys as PublicJwk[] };
}

/** The bounds of access_token_lifetime, in seconds: those of CIBA_ACCESS_TOKEN_SECONDS (lambdas/config.ts). */
export const ACCESS_TOKEN_LIFETIME_SECONDS = { min: 60, max: 86_400 } as const;

/**
 * This provider's extension: how long the client's access tokens live. At least a minute, so that a
 * token outlives its way to the resource server; at most a day, since a JWT access token cannot be
 * recalled from a resource server that does not introspect (RFC 9068 §5: short lifetimes).
 */
function accessTokenLifetime(input: Record<string, unknown>): number | undefined {
  const value = input.access_token_lifetime;
  if (value === undefined || value === null) return undefined;
  const { min, max } = ACCESS_TOKEN_LIFETIME_SECONDS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return fail(`access_token_lifetime must be a whole number of seconds from ${min} to ${max}`);
  }
  return value;
}

function scopeValue(input: Record<string, unknown>): string | undefined {
  const scope = optionalString(input, 'scope');
  if (scope === undefined) return undefined;
  for (const value of scope.split(' ')) {
    if (!SUPPORTED_SCOPES.includes(value) && !IGNORED_SCOPES.has(value)) fail(`scope ${value} is not supported`);
  }
  return scope;
}

export function validateClientMetadata(input: Record<string, unknown>, policy: MetadataPolicy): ClientMetadata {
  // RFC 7591 §2: grant_types defaults to authorization_code; this provider serves CIBA, so a client
  // that names none is a CIBA client.
  const grantTypes = optionalStringArray(input, 'grant_types') ?? [CIBA_GRANT_TYPE];
  if (grantTypes.length === 0) fail('grant_types must not be empty');
  for (const grantType of grantTypes) if (!KNOWN_GRANT_TYPES.has(grantType)) fail(`grant type ${grantType} is not supported`);
  const cibaClient = grantTypes.includes(CIBA_GRANT_TYPE);

  const method = (optionalString(input, 'token_endpoint_auth_method', 64) ?? 'client_secret_basic') as TokenEndpointAuthMethod;
  if (!TOKEN_ENDPOINT_AUTH_METHODS.includes(method)) {
    fail(`token_endpoint_auth_method must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')} (CIBA clients are confidential)`);
  }

  if (input.jwks !== undefined && input.jwks !== null && input.jwks_uri !== undefined && input.jwks_uri !== null) {
    fail('jwks and jwks_uri must not both be present (RFC 7591 section 2)');
  }
  const jwks = input.jwks === undefined || input.jwks === null ? undefined : publicJwks(input.jwks);
  const jwksUriValue = optionalString(input, 'jwks_uri');
  const jwksUri = jwksUriValue === undefined ? undefined : url('jwks_uri', jwksUriValue, policy);
  const hasKeys = jwks !== undefined || jwksUri !== undefined;
  if (method === 'private_key_jwt' && !hasKeys) fail('private_key_jwt requires jwks or jwks_uri');

  const tokenEndpointAuthSigningAlg = signingAlg(input, 'token_endpoint_auth_signing_alg', CLIENT_SIGNING_ALGS);
  const requestSigningAlg = signingAlg(input, 'backchannel_authentication_request_signing_alg', CLIENT_SIGNING_ALGS);
  if (requestSigningAlg !== undefined && !hasKeys) fail('backchannel_authentication_request_signing_alg requires jwks or jwks_uri');
  const idTokenSigningAlg = signingAlg(input, 'id_token_signed_response_alg', ID_TOKEN_SIGNING_ALGS);

  const modeValue = optionalString(input, 'backchannel_token_delivery_mode', 16);
  if (cibaClient && modeValue === undefined) fail('backchannel_token_delivery_mode is required for the CIBA grant (CIBA Core section 4)');
  if (modeValue !== undefined && !(policy.deliveryModes as readonly string[]).includes(modeValue)) {
    fail(`backchannel_token_delivery_mode must be one of ${policy.deliveryModes.join(', ')}`);
  }
  const mode = modeValue as DeliveryMode | undefined;
  const endpointValue = optionalString(input, 'backchannel_client_notification_endpoint');
  const notificationEndpoint = endpointValue === undefined ? undefined : url('backchannel_client_notification_endpoint', endpointValue, policy);
  if ((mode === 'ping' || mode === 'push') && notificationEndpoint === undefined) {
    fail(`backchannel_client_notification_endpoint is required for ${mode} mode (CIBA Core section 4)`);
  }

  const userCode = input.backchannel_user_code_parameter;
  if (userCode !== undefined && userCode !== null && typeof userCode !== 'boolean') fail('backchannel_user_code_parameter must be a boolean');

  const profileValue = optionalString(input, 'ciba_profile', 8) ?? policy.defaultProfile ?? 'core';
  if (profileValue !== 'core' && profileValue !== 'fapi') fail('ciba_profile must be core or fapi');
  const profile = profileValue as CibaProfile;
  if (profile === 'fapi') {
    // FAPI-CIBA §5.2.2: confidential clients with private_key_jwt, signed requests, PS256 or ES256.
    if (method !== 'private_key_jwt') fail('the fapi profile requires token_endpoint_auth_method private_key_jwt');
    if (requestSigningAlg === undefined || !(FAPI_ALGORITHMS as readonly string[]).includes(requestSigningAlg)) {
      fail('the fapi profile requires backchannel_authentication_request_signing_alg PS256 or ES256');
    }
    if (tokenEndpointAuthSigningAlg !== undefined && !(FAPI_ALGORITHMS as readonly string[]).includes(tokenEndpointAuthSigningAlg)) {
      fail('the fapi profile requires token_endpoint_auth_signing_alg PS256 or ES256');
    }
  }

  const clientName = optionalString(input, 'client_name', 200);
  // The name is shown on the user's device next to the binding message: the same display rules apply.
  if (clientName !== undefined && !isDisplaySafe(clientName)) fail('client_name must not contain control or bidirectional formatting characters');
  const redirectUris = optionalStringArray(input, 'redirect_uris');
  const detailsTypes = optionalStringArray(input, 'authorization_details_types');
  const defaultAcrValues = optionalStringArray(input, 'default_acr_values');
  for (const acr of defaultAcrValues ?? []) if (!(policy.acrValues ?? [acr]).includes(acr)) fail(`default_acr_values: acr ${acr} is not supported`);
  for (const type of detailsTypes ?? []) if (!(type in AUTHORIZATION_DETAILS_TYPES)) fail(`authorization_details type ${type} is not supported`);
  const responseTypes = optionalStringArray(input, 'response_types');
  const scope = scopeValue(input);
  const lifetime = accessTokenLifetime(input);

  // RFC 7591 §2: metadata the server does not understand is ignored, and so not echoed back.
  return {
    grant_types: grantTypes,
    token_endpoint_auth_method: method,
    ...(clientName !== undefined ? { client_name: clientName } : {}),
    ...(redirectUris !== undefined ? { redirect_uris: redirectUris } : {}),
    ...(responseTypes !== undefined ? { response_types: responseTypes } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(detailsTypes !== undefined ? { authorization_details_types: detailsTypes } : {}),
    ...(defaultAcrValues !== undefined ? { default_acr_values: defaultAcrValues } : {}),
    ...(jwks !== undefined ? { jwks } : {}),
    ...(jwksUri !== undefined ? { jwks_uri: jwksUri } : {}),
    ...(tokenEndpointAuthSigningAlg !== undefined ? { token_endpoint_auth_signing_alg: tokenEndpointAuthSigningAlg } : {}),
    ...(idTokenSigningAlg !== undefined ? { id_token_signed_response_alg: idTokenSigningAlg } : {}),
    ...(mode !== undefined ? { backchannel_token_delivery_mode: mode } : {}),
    ...(notificationEndpoint !== undefined ? { backchannel_client_notification_endpoint: notificationEndpoint } : {}),
    ...(requestSigningAlg !== undefined ? { backchannel_authentication_request_signing_alg: requestSigningAlg } : {}),
    ...(typeof userCode === 'boolean' ? { backchannel_user_code_parameter: userCode } : {}),
    ...(lifetime !== undefined ? { access_token_lifetime: lifetime } : {}),
    ciba_profile: profile,
  };
}
