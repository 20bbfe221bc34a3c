import type { Signer } from '../ports.js';

/**
 * The JWK Set (RFC 7517 §5): public keys only, each with kid, use and alg; the signing key first, then
 * the next key (published before it signs) and the previous one (still verifying what it signed).
 */
export async function jwks(signer: Signer): Promise<{ keys: unknown[] }> {
  return { keys: [...(await signer.publishedKeys())] };
}
