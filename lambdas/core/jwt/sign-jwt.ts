import type { Signer } from '../ports.js';

/**
 * Makes a JWS compact serialization (RFC 7515 §7.1) signed by the provider's key, whose `kid` goes in
 * the header so that relying parties pick the right key from the JWKS (OIDC Core §10.1).
 */
export async function signJwt(signer: Signer, header: Readonly<Record<string, unknown>>, payload: Readonly<Record<string, unknown>>): Promise<string> {
  // One key for both the kid and the signature, even if a rotation lands in between.
  const key = await signer.currentKey();
  const encodedHeader = Buffer.from(JSON.stringify({ ...header, alg: key.alg, kid: key.kid })).toString('base64url');
  const encodedPayload = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signingInput = `${encodedHeader}.${encodedPayload}`;
  const signature = await key.sign(Buffer.from(signingInput, 'ascii'));
  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
}
