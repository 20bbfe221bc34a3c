/** DER ECDSA signatures (what KMS returns) to JWS signatures (RFC 7518 §3.4). */
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derToJoseSignature } from '../../../lambdas/adapters/signing/der-signature.js';

/** The lengths of r and s as DER encodes them (P-256: the total length always fits one byte). */
function derIntegerLengths(der: Uint8Array): { r: number; s: number } {
  const r = der[3] ?? 0;
  return { r, s: der[5 + r] ?? 0 };
}

describe('derToJoseSignature', () => {
  it('converts P-256 signatures that verify as IEEE P1363, including r or s with leading zero bytes', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const seen = { rLeadingZero: 0, sLeadingZero: 0, shortInDer: 0, signPadded: 0 };
    let iterations = 0;
    // Bounded: a leading zero byte comes about once in 256 integers; 20,000 signatures all but guarantee each case.
    while (iterations < 20_000 && (seen.rLeadingZero < 2 || seen.sLeadingZero < 2 || seen.shortInDer < 2 || seen.signPadded < 2)) {
      iterations++;
      const message = randomBytes(32);
      const der = sign('sha256', message, { key: privateKey, dsaEncoding: 'der' });
      const jose = derToJoseSignature(der);
      expect(jose.length).toBe(64);
      expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose), `DER ${der.toString('hex')}`).toBe(true);
      const lengths = derIntegerLengths(der);
      if (jose[0] === 0) seen.rLeadingZero++;
      if (jose[32] === 0) seen.sLeadingZero++;
      if (lengths.r < 32 || lengths.s < 32) seen.shortInDer++;
      if (lengths.r === 33 || lengths.s === 33) seen.signPadded++;
    }
    expect(seen.rLeadingZero).toBeGreaterThanOrEqual(2);
    expect(seen.sLeadingZero).toBeGreaterThanOrEqual(2);
    expect(seen.shortInDer).toBeGreaterThanOrEqual(2);
    expect(seen.signPadded).toBeGreaterThanOrEqual(2);
  });

  it('left-pads small integers: r = 1, s = 2', () => {
    const jose = derToJoseSignature(Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]));
    const expected = new Uint8Array(64);
    expected[31] = 1;
    expected[63] = 2;
    expect(jose).toEqual(expected);
  });

  it('drops the sign padding of a 33-byte integer', () => {
    const r = [0x00, 0x80, ...new Array<number>(31).fill(0x11)];
    const s = [0x7f, ...new Array<number>(31).fill(0x22)];
    const der = Uint8Array.from([0x30, 4 + r.length + s.length, 0x02, r.length, ...r, 0x02, s.length, ...s]);
    const jose = derToJoseSignature(der);
    expect(Array.from(jose.subarray(0, 32))).toEqual(r.slice(1));
    expect(Array.from(jose.subarray(32))).toEqual(s);
  });

  it('reads long-form lengths: P-521 signatures (size 66) verify as IEEE P1363', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-521' });
    let longForm = 0;
    for (let i = 0; i < 40; i++) {
      const message = randomBytes(32);
      const der = sign('sha512', message, { key: privateKey, dsaEncoding: 'der' });
      if (der[1] === 0x81) longForm++;
      const jose = derToJoseSignature(der, 66);
      expect(jose.length).toBe(132);
      expect(verify('sha512', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)).toBe(true);
    }
    expect(longForm).toBeGreaterThan(0);
  });

  it('refuses what is not a DER ECDSA signature', () => {
    expect(() => derToJoseSignature(Uint8Array.from([0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]))).toThrow(/malformed/);
    expect(() => derToJoseSignature(Uint8Array.from([0x30, 0x06, 0x04, 0x01, 0x01, 0x02, 0x01, 0x01]))).toThrow(/malformed/);
    expect(() => derToJoseSignature(new Uint8Array(0))).toThrow(/malformed/);
    const tooLong = [0x01, ...new Array<number>(32).fill(0xff)];
    expect(() => derToJoseSignature(Uint8Array.from([0x30, 4 + 33 + 1, 0x02, 33, ...tooLong, 0x02, 0x01, 0x01]))).toThrow(/malformed/);
  });
});
