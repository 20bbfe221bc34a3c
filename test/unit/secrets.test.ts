/** How secrets are made and kept (lambdas/core/secrets/secrets.ts). */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashSecret, randomToken, secretMatches } from '../../lambdas/core/secrets/secrets.js';

describe('secrets', () => {
  it('makes base64url tokens of the requested entropy, all different', () => {
    const tokens = Array.from({ length: 50 }, () => randomToken(32));
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('hashes with SHA-256 over UTF-8, base64url', () => {
    expect(hashSecret('sécret')).toBe(createHash('sha256').update(Buffer.from('sécret', 'utf8')).digest('base64url'));
  });

  it('matches the right secret only', () => {
    const stored = hashSecret('correct horse');
    expect(secretMatches('correct horse', stored)).toBe(true);
    expect(secretMatches('correct horse ', stored)).toBe(false);
    expect(secretMatches('', stored)).toBe(false);
  });

  it('does not match against a corrupt stored hash, nor against the secret stored in clear', () => {
    expect(secretMatches('correct horse', 'short')).toBe(false);
    expect(secretMatches('correct horse', 'correct horse')).toBe(false);
  });
});
