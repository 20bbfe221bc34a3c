/**
 * X.509 client keys (RFC 7517 §4.7): a JWK's x5c must hold the JWK's own key, and a PEM certificate
 * becomes a public JWK carrying the certificate. Certificates come from openssl, as a client's would.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateMatchesJwk, jwkFromPemCertificate } from '../../../lambdas/core/client-keys/x509.js';
import { selfSignedCertificate, type SelfSignedCertificate } from '../../support/jwt.js';

let rsa: SelfSignedCertificate;
let ec: SelfSignedCertificate;

beforeAll(() => {
  rsa = selfSignedCertificate('rsa');
  ec = selfSignedCertificate('ec');
});

/** The DER of a PEM certificate, base64 (standard, not url), as x5c holds it. */
function derBase64(pem: string): string {
  return pem
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
}

const publicJwkOf = (certificate: SelfSignedCertificate): Record<string, unknown> =>
  createPublicKey(certificate.privateKey).export({ format: 'jwk' }) as Record<string, unknown>;

describe('jwkFromPemCertificate', () => {
  it('makes an RSA public JWK of the certificate key, use sig, with the certificate DER in x5c', () => {
    const jwk = jwkFromPemCertificate(rsa.certificatePem);
    const expected = publicJwkOf(rsa);
    expect(jwk).toEqual({ kty: 'RSA', n: expected.n, e: expected.e, use: 'sig', x5c: [derBase64(rsa.certificatePem)] });
  });

  it('makes an EC P-256 public JWK of an EC certificate', () => {
    const jwk = jwkFromPemCertificate(ec.certificatePem);
    const expected = publicJwkOf(ec);
    expect(jwk).toEqual({ kty: 'EC', crv: 'P-256', x: expected.x, y: expected.y, use: 'sig', x5c: [derBase64(ec.certificatePem)] });
  });

  it('adds kid and alg when given', () => {
    expect(jwkFromPemCertificate(rsa.certificatePem, { kid: 'cert-key', alg: 'RS256' })).toMatchObject({ kid: 'cert-key', alg: 'RS256' });
  });

  it('never carries private key members', () => {
    const jwk = jwkFromPemCertificate(rsa.certificatePem);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(jwk).not.toHaveProperty(member);
  });

  it('throws for text that is not a PEM certificate', () => {
    expect(() => jwkFromPemCertificate(rsa.privateKeyPem)).toThrow();
  });
});

describe('certificateMatchesJwk', () => {
  it('is true for the JWK made from the same certificate (RSA and EC)', () => {
    for (const certificate of [rsa, ec]) {
      const jwk = jwkFromPemCertificate(certificate.certificatePem);
      expect(certificateMatchesJwk(derBase64(certificate.certificatePem), jwk)).toBe(true);
    }
  });

  it('is true whatever kid, use and alg the JWK adds', () => {
    const jwk = { ...publicJwkOf(rsa), kid: 'any', use: 'sig', alg: 'PS256' };
    expect(certificateMatchesJwk(derBase64(rsa.certificatePem), jwk)).toBe(true);
  });

  it('is false for a JWK of another key of the same type', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
    expect(certificateMatchesJwk(derBase64(rsa.certificatePem), other)).toBe(false);
  });

  it('is false for a JWK of another key type', () => {
    expect(certificateMatchesJwk(derBase64(rsa.certificatePem), publicJwkOf(ec))).toBe(false);
  });

  it('is false when the JWK lacks a key member the certificate has (EC y)', () => {
    const { y: _y, ...withoutY } = publicJwkOf(ec);
    expect(certificateMatchesJwk(derBase64(ec.certificatePem), withoutY)).toBe(false);
  });

  it('is false, not a throw, when x5c is not a certificate', () => {
    expect(certificateMatchesJwk('bm90IGEgY2VydGlmaWNhdGU=', publicJwkOf(rsa))).toBe(false);
    expect(certificateMatchesJwk('', publicJwkOf(rsa))).toBe(false);
  });
});
