/**
 * DynamoDB's JSON protocol (awsJson1_0) on the wire: the body is the operation's input as JSON, except
 * that binary attribute values (`B`, and the members of `BS`) travel as base64 strings. In the code they
 * are Uint8Array, as in the SDK.
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html
 */

/** JSON.stringify's replacer: `this[key]` is the value before toJSON (a Buffer's would make it { type, data }). */
function encodeBinary(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  return original instanceof Uint8Array ? Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') : value;
}

/** The input as the request body; Uint8Array values (wherever they are) become base64. */
export function toWireJson(input: unknown): string {
  return JSON.stringify(input, encodeBinary);
}

const fromBase64 = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'base64'));

/**
 * A response body as an object; `B` and `BS` members of attribute values become Uint8Array. In DynamoDB
 * JSON a string under a key `B` (or strings in an array under `BS`) can only be binary: an attribute
 * *named* B holds an attribute value object instead.
 */
export function fromWireJson(text: string): Record<string, unknown> {
  if (text === '') return {};
  // Most bodies hold no binary at all: skip the reviver, which costs a call per member.
  if (!text.includes('"B":') && !text.includes('"BS":')) return JSON.parse(text) as Record<string, unknown>;
  return JSON.parse(text, decodeBinary) as Record<string, unknown>;
}

function decodeBinary(key: string, value: unknown): unknown {
  if (key === 'B' && typeof value === 'string') return fromBase64(value);
  if (key === 'BS' && Array.isArray(value) && value.every((member) => typeof member === 'string')) return value.map(fromBase64);
  return value;
}
