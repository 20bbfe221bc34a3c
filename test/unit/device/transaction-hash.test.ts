/**
 * The hash input of dynamic linking: RFC 8785 JSON Canonicalization Scheme (JCS). The expected strings
 * are the RFC's own examples (§3.2.3 sorting, §3.2.4 the main example, Appendix B numbers) or follow
 * from its rules; a device app in another language must produce exactly these bytes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, transactionHash, type Transaction } from '../../../lambdas/core/device/transaction-hash.js';

/** An IEEE 754 double from its 64 bits, as RFC 8785 Appendix B lists them. */
function double(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonicalJson (RFC 8785)', () => {
  it('produces the output of the main example of RFC 8785 §3.2.4', () => {
    const input = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`) as unknown;
    expect(canonicalJson(input)).toBe(String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`);
  });

  it('sorts members by their UTF-16 code units, non-ASCII keys included (RFC 8785 §3.2.3)', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    const text = canonicalJson(input);
    expect(text).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('sorts by UTF-16 code units, not by code points: U+1F600 (a surrogate pair, D83D) sorts before U+FB33', () => {
    expect(canonicalJson({ '\ufb33': 1, '\u{1F600}': 2 })).toBe('{"\u{1F600}":2,"\ufb33":1}');
  });

  it('sorts case-sensitively, by code unit: upper case before lower case, shorter prefix first', () => {
    expect(canonicalJson({ b: 1, a: 2, B: 3, aa: 4, A: 5, '': 6 })).toBe('{"":6,"A":5,"B":3,"a":2,"aa":4,"b":1}');
  });

  it('sorts nested objects, including objects inside arrays, and keeps array order', () => {
    expect(canonicalJson({ z: [{ y: 1, x: 2 }, [3, { b: { d: 1, c: 2 }, a: null }]], a: { c: [], b: {} } })).toBe(
      '{"a":{"b":{},"c":[]},"z":[{"x":2,"y":1},[3,{"a":null,"b":{"c":2,"d":1}}]]}',
    );
  });

  it('has no whitespace between tokens', () => {
    const text = canonicalJson({ list: [1, 2, { a: 'x y' }], nested: { deep: { deeper: true } } });
    expect(text).toBe('{"list":[1,2,{"a":"x y"}],"nested":{"deep":{"deeper":true}}}');
    expect(text.replace(/"[^"]*"/g, '')).not.toMatch(/\s/);
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('serializes the double 0x%s as %s (RFC 8785 Appendix B)', (bits, expected) => {
    expect(canonicalJson(double(bits))).toBe(expected);
    expect(canonicalJson({ n: double(bits) })).toBe(`{"n":${expected}}`);
  });

  it.each([
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [0.1, '0.1'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e-7, '1e-7'],
    [1e-6, '0.000001'],
    [-0, '0'],
    [4.5, '4.5'],
    [100, '100'],
  ])('serializes %d as ECMAScript does: %s', (value, expected) => {
    expect(canonicalJson([value])).toBe(`[${expected}]`);
  });

  it.each([[NaN], [Infinity], [-Infinity]])('refuses %d: JCS has no representation for it', (value) => {
    expect(() => canonicalJson({ n: value })).toThrow(TypeError);
  });

  it('leaves out members whose value is undefined, at every depth', () => {
    expect(canonicalJson({ b: undefined, a: 1, c: { d: undefined, e: 2 } })).toBe('{"a":1,"c":{"e":2}}');
    expect(canonicalJson({ only: undefined })).toBe('{}');
  });

  it('writes undefined array elements as null, as JSON.stringify does', () => {
    expect(canonicalJson([1, undefined, 3])).toBe('[1,null,3]');
  });

  it('escapes strings as ECMAScript does: control characters, quote and backslash; "/" and non-ASCII as they are', () => {
    expect(canonicalJson('\u0000\u0008\t\n\u000b\f\r\u001f"\\/é€😀\u2028')).toBe('"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\\"\\\\/é€😀\u2028"');
  });

  it('writes literals and empty containers', () => {
    expect(canonicalJson({ t: true, f: false, n: null, o: {}, a: [] })).toBe('{"a":[],"f":false,"n":null,"o":{},"t":true}');
  });
});

describe('transactionHash', () => {
  const transaction: Transaction = {
    auth_req_id: 'r-123',
    client_id: 'c-456',
    binding_message: 'Pay £500.00 to ExampleBank Savings?',
    authorization_details: [{ type: 'payment_initiation', instructedAmount: { currency: 'GBP', amount: '500.00' }, creditorName: 'ExampleBank Savings' }],
    decision: 'approve',
  };

  it('is base64url(SHA-256) of the canonical JSON, computed here by hand', () => {
    const canonical =
      '{"auth_req_id":"r-123","authorization_details":[{"creditorName":"ExampleBank Savings","instructedAmount":{"amount":"500.00","currency":"GBP"},"type":"payment_initiation"}],' +
      '"binding_message":"Pay £500.00 to ExampleBank Savings?","client_id":"c-456","decision":"approve"}';
    expect(canonicalJson(transaction)).toBe(canonical);
    expect(transactionHash(transaction)).toBe(createHash('sha256').update(Buffer.from(canonical, 'utf8')).digest('base64url'));
    expect(transactionHash(transaction)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('does not depend on the order of members, at any depth', () => {
    const reordered = JSON.parse(
      '{"decision":"approve","authorization_details":[{"instructedAmount":{"amount":"500.00","currency":"GBP"},"creditorName":"ExampleBank Savings","type":"payment_initiation"}],"client_id":"c-456","binding_message":"Pay £500.00 to ExampleBank Savings?","auth_req_id":"r-123"}',
    ) as Transaction;
    expect(transactionHash(reordered)).toBe(transactionHash(transaction));
  });

  it('does not depend on undefined members', () => {
    const { binding_message: _message, ...rest } = transaction;
    expect(transactionHash({ ...rest, binding_message: undefined } as unknown as Transaction)).toBe(transactionHash(rest as Transaction));
  });

  it('changes with any value: the decision, the amount, the binding message, the order of details', () => {
    const hash = transactionHash(transaction);
    expect(transactionHash({ ...transaction, decision: 'deny' })).not.toBe(hash);
    expect(transactionHash({ ...transaction, binding_message: 'Pay £5.00 to ExampleBank Savings?' })).not.toBe(hash);
    expect(
      transactionHash({ ...transaction, authorization_details: [{ ...transaction.authorization_details?.[0], type: 'payment_initiation', instructedAmount: { currency: 'GBP', amount: '5.00' } }] }),
    ).not.toBe(hash);
    const two = [{ type: 'a' }, { type: 'b' }];
    expect(transactionHash({ ...transaction, authorization_details: two })).not.toBe(transactionHash({ ...transaction, authorization_details: [...two].reverse() }));
  });
});

describe('enrollmentUri', () => {
  it('carries the issuer and the one-time code, URL-encoded, under the ciba-enroll scheme', async () => {
    const { enrollmentUri } = await import('../../../lambdas/core/device/enrollment-code.js');
    const uri = new URL(enrollmentUri('https://ciba.example/prod', 'abc-DEF_123'));
    expect(uri.protocol).toBe('ciba-enroll:');
    expect(uri.searchParams.get('issuer')).toBe('https://ciba.example/prod');
    expect(uri.searchParams.get('code')).toBe('abc-DEF_123');
  });
});
