/** CIBA Core §7.1 binding_message and §13 invalid_binding_message. */
import { describe, expect, it } from 'vitest';
import { checkBindingMessage, MAX_BINDING_MESSAGE_LENGTH } from '../../../lambdas/core/backchannel/check-binding-message.js';
import { OAuthError } from '../../../lambdas/core/errors.js';

function refusal(message: string): string | undefined {
  try {
    checkBindingMessage(message);
    return undefined;
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return error.error;
  }
}

describe('checkBindingMessage', () => {
  it('passes an absent message through', () => {
    expect(checkBindingMessage(undefined)).toBeUndefined();
  });

  it.each([
    ['a PSD2 sentence', 'Allow ExampleBank to transfer £500.00 from your Current account to account ending 5589?'],
    ['a short code', 'W4SCT'],
    ['other scripts', 'Überweisung 500 € — 送金 — перевод — تحويل'],
    ['emoji with joiners and skin tones', 'Approve 👩‍👩‍👧‍👦 👍🏽 🇪🇺'],
  ])('accepts %s unchanged', (_name, message) => {
    expect(checkBindingMessage(message)).toBe(message);
  });

  it.each([
    ['a newline', 'line one\nline two'],
    ['a NUL', 'abc\u0000def'],
    ['DEL', 'abc\u007Fdef'],
    ['a C1 control', 'abc\u0085def'],
    ['a line separator', 'abc\u2028def'],
    ['a paragraph separator', 'abc\u2029def'],
    ['a right-to-left override', 'Pay \u202E9855 ot 005£'],
    ['a left-to-right embedding', 'Pay \u202A500'],
    ['a first-strong isolate', 'Pay \u2068500\u2069'],
    ['a lone surrogate', 'abc\uD800def'],
    ['only spaces', '   '],
    ['the empty string', ''],
  ])('refuses %s: invalid_binding_message', (_name, message) => {
    expect(refusal(message)).toBe('invalid_binding_message');
  });

  it(`counts code points: ${MAX_BINDING_MESSAGE_LENGTH} are accepted, one more is refused`, () => {
    expect(refusal('a'.repeat(MAX_BINDING_MESSAGE_LENGTH))).toBeUndefined();
    expect(refusal('a'.repeat(MAX_BINDING_MESSAGE_LENGTH + 1))).toBe('invalid_binding_message');
    // Each of these is two UTF-16 code units: the limit is on what the user sees, not on UTF-16.
    expect(refusal('😀'.repeat(MAX_BINDING_MESSAGE_LENGTH))).toBeUndefined();
    expect(refusal('😀'.repeat(MAX_BINDING_MESSAGE_LENGTH + 1))).toBe('invalid_binding_message');
  });
});
