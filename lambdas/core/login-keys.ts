/**
 * How a login_hint names a user (CIBA Core §7.1 leaves it to the OP): an email address, a phone
 * number, or else a username. Each user is findable under every key it has, so a hint is one lookup.
 */
export type LoginKey = `username:${string}` | `email:${string}` | `phone:${string}`;

const EMAIL = /^[^\s@]+@[^\s@]+$/;
/** E.164-ish: a plus, or at least 6 digits, with the usual separators. */
const PHONE = /^\+?[\d\s().-]{6,20}$/;

export function normalizePhone(phone: string): string {
  return `+${phone.replace(/\D/g, '')}`;
}

/** The key a login_hint resolves through. Email addresses are case-insensitive; usernames are not. */
export function loginKeyForHint(hint: string): LoginKey {
  if (EMAIL.test(hint)) return `email:${hint.toLowerCase()}`;
  if (PHONE.test(hint) && /\d{6,}/.test(hint.replace(/\D/g, ''))) return `phone:${normalizePhone(hint)}`;
  return `username:${hint}`;
}

/** Every key a user can be found by: its username, and its email and phone number claims if any. */
export function loginKeysOf(user: { username: string; claims: Readonly<Record<string, unknown>> }): LoginKey[] {
  const keys: LoginKey[] = [`username:${user.username}`];
  if (typeof user.claims.email === 'string') keys.push(`email:${user.claims.email.toLowerCase()}`);
  if (typeof user.claims.phone_number === 'string') keys.push(`phone:${normalizePhone(user.claims.phone_number)}`);
  return keys;
}

/** Usernames must not look like an email address or a phone number, or hints would be ambiguous. */
export function usernameProblem(username: string): string | undefined {
  if (username.length === 0 || username.length > 128) return 'a username has 1 to 128 characters';
  if (/[\s\p{Cc}]/u.test(username)) return 'a username has no spaces or control characters';
  if (loginKeyForHint(username) !== `username:${username}`) return 'a username must not look like an email address or a phone number';
  return undefined;
}
