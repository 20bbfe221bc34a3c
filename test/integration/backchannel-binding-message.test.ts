/**
 * binding_message (CIBA Core §7.1, §13 invalid_binding_message): what the user's device will show must
 * read there as the client meant it. Real PSD2 dynamic-linking sentences and any script pass; control
 * characters, bidirectional overrides and over-long messages are refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { backchannel, expectError, registerClient, type TestClient } from '../support/provider.js';

let client: TestClient;

beforeAll(async () => {
  client = await registerClient();
});

const send = (bindingMessage: string) => backchannel(client, { scope: 'openid', login_hint: 'jane.doe', binding_message: bindingMessage });

describe('binding_message', () => {
  it.each([
    'Allow ExampleBank to transfer £500.00 from your Current account to account ending 5589?',
    "Allow ExampleBank to transfer £50 from your 'Main' account to your 'Savings' account? (EB-0246326)",
  ])('accepts the PSD2 sentence %j', async (message) => {
    const result = await send(message);
    expect(result.status, result.body).toBe(200);
  });

  it('accepts emoji (with a zero-width joiner sequence and a skin tone) and CJK text', async () => {
    const result = await send('🔐 ログインを承認しますか？ 请确认付款 확인 👍🏽 👨‍👩‍👧');
    expect(result.status, result.body).toBe(200);
  });

  it('accepts exactly 256 characters (the boundary)', async () => {
    const result = await send('a'.repeat(256));
    expect(result.status, result.body).toBe(200);
  });

  it('counts characters, not UTF-16 units: 256 emoji (512 UTF-16 units) are accepted', async () => {
    const result = await send('😀'.repeat(256));
    expect(result.status, result.body).toBe(200);
  });

  it.each([
    ['a BEL control character', 'Approve login \u0007 now'],
    ['a newline', 'Approve login\nfrom ExampleBank'],
    ['a bidirectional override (U+202E)', 'Transfer \u202E9855 ot 005£'],
  ])('refuses %s with invalid_binding_message', async (_label, message) => {
    expectError(await send(message), 400, 'invalid_binding_message');
  });

  it('refuses more than 256 characters with invalid_binding_message', async () => {
    expectError(await send('a'.repeat(257)), 400, 'invalid_binding_message');
  });
});
