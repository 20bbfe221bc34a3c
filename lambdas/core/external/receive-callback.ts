/**
 * POST /external/callback/{auth_req_id}: the external authentication service's answer. Authenticated
 * by the per-request callback credential it was given at start (compared in constant time, good for
 * this one request); idempotent (the same callback again is answered the same); a different answer
 * for a decided request is refused. Only a pending, unexpired request can be decided.
 */
import { Conflict, InvalidRequest, NotFound, InvalidToken } from '../errors.js';
import { readJsonObject } from '../http/form.js';
import { header, type HttpRequest, type HttpResponse } from '../http/http.js';
import type { Dependencies } from '../ports.js';
import { secretMatches } from '../secrets/secrets.js';
import { canonicalJson } from '../device/transaction-hash.js';
import { recordDecision } from '../device/decide-auth-request.js';
import { createHash } from 'node:crypto';
import { splitScope } from '../scopes.js';

type CallbackDependencies = Pick<Dependencies, 'config' | 'clock' | 'authRequests' | 'telemetry'>;

/** Claims a service may not set: the provider's own (RFC 7519 §4.1, OIDC Core §2, CIBA Core §10.1.1). */
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 'sid', 'urn:openid:params:jwt:claim:auth_req_id', 'urn:openid:params:jwt:claim:rt_hash']);
const AMR_VALUES = new Set(['pin', 'fpt', 'face', 'iris', 'retina', 'vbm', 'pwd', 'otp', 'sms', 'tel', 'hwk', 'swk', 'pop', 'user', 'mfa', 'mca', 'kba', 'geo', 'rba', 'sc', 'wia']);

const unauthorized = (): never => {
  throw new InvalidToken('the callback credential is not valid for this request', { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
};

export async function receiveExternalCallback(request: HttpRequest, deps: CallbackDependencies): Promise<HttpResponse> {
  const authReqId = request.pathParameters.auth_req_id ?? '';
  const credential = /^Bearer ([\x21-\x7E]+)$/i.exec(header(request, 'authorization') ?? '')?.[1];
  if (!credential) unauthorized();
  const stored = authReqId.length <= 128 ? await deps.authRequests.find(authReqId) : undefined;
  if (!stored || stored.channel !== 'external' || !stored.callbackCredentialHash) throw new NotFound('no such request for the external authentication service');
  if (!secretMatches(credential as string, stored.callbackCredentialHash)) unauthorized();

  const body = readJsonObject(request);
  const { result, scope, claims, acr, amr } = body;
  if (result !== 'accept' && result !== 'reject') throw new InvalidRequest('result must be accept or reject');
  // Granted scopes: a subset of what was asked, openid kept (the request is an OpenID Connect one).
  if (scope !== undefined) {
    const requested = new Set(splitScope(stored.scope));
    if (typeof scope !== 'string' || !splitScope(scope).every((value) => requested.has(value)) || !splitScope(scope).includes('openid')) {
      throw new InvalidRequest('scope must be a subset of the requested scope and keep openid');
    }
  }
  if (claims !== undefined) {
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new InvalidRequest('claims must be a JSON object');
    const reserved = Object.keys(claims).find((name) => RESERVED_CLAIMS.has(name));
    if (reserved) throw new InvalidRequest(`claims must not set ${reserved}: the provider sets it`);
    if (canonicalJson(claims).length > 4096) throw new InvalidRequest('claims are too large');
  }
  if (acr !== undefined && (typeof acr !== 'string' || !deps.config.acrValues.includes(acr))) throw new InvalidRequest('acr must be one of the provider\'s acr values');
  if (amr !== undefined && (!Array.isArray(amr) || amr.length > 5 || !amr.every((value) => typeof value === 'string' && AMR_VALUES.has(value)))) {
    throw new InvalidRequest('amr must be an array of RFC 8176 values');
  }
  // What makes two callbacks "the same": their content, canonically.
  const fingerprint = createHash('sha256').update(canonicalJson({ result, scope, claims, acr, amr, reason: body.reason })).digest('base64url');
  const decision = result === 'accept' ? 'approve' : 'deny';
  try {
    return await recordDecision(deps.authRequests, authReqId, decision, deps.clock.now(), {
      // The stored request's user: naming it lets the decision free the user's pending slot in its write.
      sub: stored.sub,
      ...(amr !== undefined ? { amr: amr as string[] } : {}),
      // The service verified the user its own way; the acr policy's verification demand is its to meet.
      userVerified: true,
      external: {
        fingerprint,
        ...(typeof scope === 'string' ? { scope: [...new Set(splitScope(scope))].join(' ') } : {}),
        ...(claims !== undefined ? { claims: claims as Record<string, unknown> } : {}),
        ...(typeof acr === 'string' ? { acr } : {}),
      },
    }, { telemetry: deps.telemetry, channel: 'external' });
  } catch (error) {
    if (error instanceof Conflict) throw new Conflict('the request has already been decided differently, or has expired');
    throw error;
  }
}
