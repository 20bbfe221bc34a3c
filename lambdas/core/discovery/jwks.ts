import type { Signer } from '../ports.js';

/** The JWK Set (RFC 7517 §5): public keys only, each with kid, use and alg. */
export async function jwks(signer: Signer): Promise<{ keys: unknown[] }> {
  return { keys: [await signer.publicJwk()] };
}
