/**
 * KMS returns ECDSA signatures DER-encoded (an ASN.1 SEQUENCE of two INTEGERs); JWS ES256 wants the
 * two 32-byte integers side by side (RFC 7518 §3.4). This converts one into the other.
 */
export function derToJoseSignature(der: Uint8Array, size = 32): Uint8Array {
  let offset = 0;
  const expect = (byte: number, what: string): void => {
    if (der[offset++] !== byte) throw new Error(`malformed DER signature: expected ${what}`);
  };
  const readLength = (): number => {
    let length = der[offset++] ?? 0;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      length = 0;
      for (let i = 0; i < bytes; i++) length = (length << 8) | (der[offset++] ?? 0);
    }
    return length;
  };
  const readInteger = (): Uint8Array => {
    expect(0x02, 'INTEGER');
    const length = readLength();
    let value = der.subarray(offset, offset + length);
    offset += length;
    while (value.length > size && value[0] === 0) value = value.subarray(1); // sign padding
    if (value.length > size) throw new Error('malformed DER signature: integer too long');
    const padded = new Uint8Array(size);
    padded.set(value, size - value.length);
    return padded;
  };
  expect(0x30, 'SEQUENCE');
  readLength();
  const r = readInteger();
  const s = readInteger();
  const signature = new Uint8Array(size * 2);
  signature.set(r, 0);
  signature.set(s, size);
  return signature;
}
