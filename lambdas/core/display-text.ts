/**
 * Text that a user's device shows them (binding messages, client names) must read there exactly as it
 * was sent: control characters (Cc), line and paragraph separators, and bidirectional overrides and
 * isolates (which can make "£500 to 5589" display as something else) are refused. Emoji with their
 * joiners and every script pass.
 */
const UNDISPLAYABLE = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

export function isDisplaySafe(text: string): boolean {
  return text.isWellFormed() && !UNDISPLAYABLE.test(text);
}
