/**
 * user_code hashing. Unlike the provider's own 256-bit secrets, a user_code is chosen by a person and
 * short (a PIN, a passphrase), so it is stored with scrypt and a random salt: a leaked table must not
 * give the codes away by brute force.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCallback(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))));

/** N = 2^14, r = 8, p = 1 (RFC 7914 §2's interactive-login parameters): about 16 MiB and tens of ms. */
const PARAMETERS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

export async function hashUserCode(userCode: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(userCode.normalize('NFKC'), salt, KEY_LENGTH, PARAMETERS);
  return ['scrypt', PARAMETERS.N, PARAMETERS.r, PARAMETERS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function userCodeMatches(userCode: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(userCode.normalize('NFKC'), Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(actual, expected);
}
