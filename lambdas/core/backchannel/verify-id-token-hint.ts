/**
 * id_token_hint (CIBA Core §7.1): an ID token this provider issued to this client, naming the user.
 * Its signature and issuer are checked; it may have expired, within a window.
 */
import type { Config } from '../../config.js';
import { InvalidRequest } from '../errors.js';
import { decodeJws, verifyJwsSignature } from '../jwt/jws.js';
import type { Client } from '../model.js';
import type { Clock, Signer } from '../ports.js';
import { createPublicKey } from 'node:crypto';

/**
 * CIBA Core §7.1: the ID token "need not" be unexpired. This provider accepts one up to 7 days past
 * its exp: long enough for a client to come back to a user it knows, short enough to age out.
 */
export const ID_TOKEN_HINT_GRACE_SECONDS = 7 * 24 * 3600;

export async function verifyIdTokenHint(idTokenHint: string, client: Client, deps: { config: Pick<Config, 'issuer'>; clock: Clock; signer: Signer }): Promise<string> {
  const jws = decodeJws(idTokenHint, InvalidRequest, 'the id_token_hint');
  // Any published key: an ID token signed before a rotation stays a valid hint while its key is published.
  const keys = await deps.signer.publishedKeys();
  const jwk = jws.header.kid === undefined ? keys[0] : keys.find((key) => key.kid === jws.header.kid);
  if (jws.header.alg !== deps.signer.alg || !jwk) {
    throw new InvalidRequest('the id_token_hint was not signed by this provider');
  }
  if (!verifyJwsSignature(deps.signer.alg, createPublicKey({ key: jwk as never, format: 'jwk' }), jws)) {
    throw new InvalidRequest('the id_token_hint signature is invalid');
  }
  const { iss, aud, exp, sub } = jws.payload;
  if (iss !== deps.config.issuer) throw new InvalidRequest('the id_token_hint was not issued by this provider');
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(client.clientId)) throw new InvalidRequest('the id_token_hint was not issued to this client');
  if (typeof exp !== 'number' || exp + ID_TOKEN_HINT_GRACE_SECONDS < deps.clock.now() / 1000) {
    throw new InvalidRequest('the id_token_hint expired too long ago');
  }
  if (typeof sub !== 'string') throw new InvalidRequest('the id_token_hint has no sub');
  return sub;
}
