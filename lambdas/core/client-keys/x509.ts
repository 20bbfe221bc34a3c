/**
 * Client keys that come as X.509 certificates, as ForgeRock's "X509" public-key selector takes them:
 * a JWK carrying `x5c` (RFC 7517 §4.7) must hold the same key as its first certificate; a PEM
 * certificate given to the admin CLI becomes a JWK carrying both.
 */
import { X509Certificate, type JsonWebKey } from 'node:crypto';

const KEY_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;

function publicJwkOf(certificate: X509Certificate): JsonWebKey {
  return certificate.publicKey.export({ format: 'jwk' });
}

/** True when the JWK's key members equal those of the certificate's public key. */
export function certificateMatchesJwk(x5c: string, jwk: Readonly<Record<string, unknown>>): boolean {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(x5c, 'base64'));
  } catch {
    return false;
  }
  const fromCertificate = publicJwkOf(certificate) as Record<string, unknown>;
  return KEY_MEMBERS.every((member) => fromCertificate[member] === jwk[member]);
}

/** A PEM certificate as a public JWK with its certificate in x5c. */
export function jwkFromPemCertificate(pem: string, options: { kid?: string; alg?: string } = {}): Record<string, unknown> {
  const certificate = new X509Certificate(pem);
  const jwk = publicJwkOf(certificate) as Record<string, unknown>;
  return {
    ...jwk,
    use: 'sig',
    ...(options.kid ? { kid: options.kid } : {}),
    ...(options.alg ? { alg: options.alg } : {}),
    x5c: [certificate.raw.toString('base64')],
  };
}
