/**
 * Names shared by the signing adapters and the CDK construct that grants access to them (so that the
 * IAM conditions and the requests they allow cannot drift apart). No SDK import: the CDK app reads it.
 */

/** The tag that marks the KMS keys of one deployment's key ring (`kms` mode; IAM conditions use it). */
export const KEY_RING_TAG = 'ciba:key-ring';

/**
 * Bound to every wrapped signing key (`envelope` mode): a ciphertext decrypts only with this context,
 * and IAM lets the functions decrypt only with it, so the wrapping key unwraps nothing else for them.
 */
export const ENVELOPE_ENCRYPTION_CONTEXT = { purpose: 'ciba-signing-key' } as const;
