/**
 * The consumption device of `ciba demo`: a client the way a bank's point of sale would be one. It
 * registers itself (RFC 7591) with a key of its own, authenticates with private_key_jwt (RFC 7523),
 * sends its backchannel request as a signed request object (CIBA Core §7.1.1) and polls the token
 * endpoint (CIBA Core §7.3, §10, §11). Everything goes over HTTP, as any client's would.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { AUTOMATED_APPROVAL_TEMPLATE } from '../../lambdas/routes.js';

/** What the demo reads from discovery (OIDC Discovery §3, CIBA Core §4). */
export interface Discovery {
  readonly issuer: string;
  readonly registration_endpoint: string;
  readonly backchannel_authentication_endpoint: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
}

export interface DemoClient {
  readonly clientId: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
}

export interface HttpAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

/** The algorithm of the client's key: FAPI-CIBA allows ES256 and PS256; ES256 keys are small and quick. */
const ALG = 'ES256';
const CIBA_GRANT_TYPE = 'urn:openid:params:grant-type:ciba';
/** Request objects live five minutes (FAPI-CIBA §5.2.2 allows at most 60). */
const REQUEST_OBJECT_SECONDS = 300;

/** A provider's OAuth error, as `error: error_description`. */
export class ProviderError extends Error {
  constructor(
    readonly what: string,
    readonly answer: HttpAnswer,
  ) {
    const { error, error_description: description } = answer.json;
    super(`${what} failed (HTTP ${answer.status}): ${typeof error === 'string' ? error : 'no OAuth error'}${typeof description === 'string' ? `: ${description}` : ''}`);
  }
}

async function send(url: string, init: RequestInit): Promise<HttpAnswer> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new Error(`cannot reach ${url} (${cause}). Is the provider running? Start it with: npm start`, { cause: error });
  }
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the status says enough
  }
  return { status: response.status, json };
}

const form = (parameters: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(parameters).toString(),
});

export async function discover(issuer: string): Promise<Discovery> {
  const answer = await send(`${issuer}/.well-known/openid-configuration`, { method: 'GET' });
  if (answer.status !== 200) throw new ProviderError('discovery', answer);
  const discovery = answer.json as unknown as Discovery;
  // OIDC Discovery §4.3: the issuer in the document must be the one asked for.
  if (discovery.issuer !== issuer) throw new Error(`discovery names issuer ${String(discovery.issuer)}, not ${issuer}: pass --issuer ${String(discovery.issuer)}`);
  return discovery;
}

/** Registers a poll-mode client with a fresh ES256 key (only its public half leaves this process). */
export async function registerClient(discovery: Discovery, initialAccessToken: string, clientName: string): Promise<DemoClient> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = randomUUID();
  const answer = await send(discovery.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${initialAccessToken}` },
    body: JSON.stringify({
      client_name: clientName,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: ALG,
      backchannel_token_delivery_mode: 'poll',
      backchannel_authentication_request_signing_alg: ALG,
      authorization_details_types: ['payment_initiation'],
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, use: 'sig', alg: ALG }] },
    }),
  });
  if (answer.status !== 201) {
    const hint = answer.status === 401 ? ' (the initial access token is not this provider\'s: pass --initial-access-token, the one npm start printed)' : '';
    throw new ProviderError(`registration${hint}`, answer);
  }
  return { clientId: String(answer.json.client_id), kid, privateKey };
}

/** RFC 7523 §3: a one-use JWT that proves the client holds its key; aud is the issuer (CIBA Core §7.1). */
function clientAssertion(client: DemoClient, issuer: string): Promise<string> {
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: ALG, kid: client.kid })
    .setIssuer(client.clientId)
    .setSubject(client.clientId)
    .setAudience(issuer)
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(client.privateKey);
}

async function authenticated(client: DemoClient, issuer: string, parameters: Record<string, string>): Promise<RequestInit> {
  return form({
    ...parameters,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await clientAssertion(client, issuer),
  });
}

/** CIBA Core §7.1.1: the authentication parameters inside a JWT signed by the client, for the issuer. */
export function signRequestObject(client: DemoClient, issuer: string, parameters: JWTPayload): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...parameters, jti: randomUUID() })
    .setProtectedHeader({ alg: ALG, kid: client.kid, typ: 'oauth-authz-req+jwt' })
    .setIssuer(client.clientId)
    .setAudience(issuer)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + REQUEST_OBJECT_SECONDS)
    .sign(client.privateKey);
}

export interface Acknowledgement {
  readonly auth_req_id: string;
  readonly expires_in: number;
  readonly interval?: number;
}

/** CIBA Core §7.3: the provider's acknowledgement of the backchannel request. */
export async function requestAuthentication(discovery: Discovery, client: DemoClient, requestObject: string): Promise<Acknowledgement> {
  const answer = await send(discovery.backchannel_authentication_endpoint, await authenticated(client, discovery.issuer, { request: requestObject }));
  if (answer.status !== 200) throw new ProviderError('the backchannel authentication request', answer);
  return answer.json as unknown as Acknowledgement;
}

/** One token request with the CIBA grant (CIBA Core §10.1); the caller reads the answer. */
export async function pollToken(discovery: Discovery, client: DemoClient, authReqId: string): Promise<HttpAnswer> {
  return send(discovery.token_endpoint, await authenticated(client, discovery.issuer, { grant_type: CIBA_GRANT_TYPE, auth_req_id: authReqId }));
}

/** The automated approval endpoint (test deployments and `npm start` only) decides in the user's place. */
export async function decideAutomatically(issuer: string, authReqId: string, action: 'allow' | 'deny'): Promise<void> {
  const path = AUTOMATED_APPROVAL_TEMPLATE.replace('{auth_req_id}', encodeURIComponent(authReqId)).replace('{action}', action);
  const answer = await send(`${issuer}${path}`, { method: 'POST' });
  // It is on in `npm start`, and in a stack deployed with -c automatedApproval=true only.
  if (answer.status !== 200) throw new ProviderError('automated approval', answer);
}
