/**
 * The Signature Version 4 signer against AWS's published worked example: IAM ListUsers, signed with the
 * documentation's example credentials on 2015-08-30 12:36:00 UTC in us-east-1. The docs give the hash of
 * the canonical request, the string to sign, the derived signing key and the signature.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html (the worked example
 * of the "Signature Version 4 signing process" pages: GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08)
 */
import { describe, expect, it } from 'vitest';
import { amzDate, sha256Hex, SignatureV4, signingKey } from '../../../lambdas/adapters/aws/signature-v4.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const date = '20150830T123600Z';
const listUsers = {
  method: 'GET',
  path: '/',
  query: 'Version=2010-05-08&Action=ListUsers',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8', Host: 'iam.amazonaws.com', 'X-Amz-Date': date },
  payloadHash: sha256Hex(''),
};

describe('Signature Version 4, AWS example (IAM ListUsers)', () => {
  const signature = new SignatureV4(credentials, 'us-east-1', 'iam').sign(listUsers, date);

  it('builds the canonical request the docs show: sorted query, lowercase sorted headers, hashed empty body', () => {
    expect(signature.canonicalRequest).toBe(
      [
        'GET',
        '/',
        'Action=ListUsers&Version=2010-05-08',
        'content-type:application/x-www-form-urlencoded; charset=utf-8',
        'host:iam.amazonaws.com',
        'x-amz-date:20150830T123600Z',
        '',
        'content-type;host;x-amz-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(sha256Hex(signature.canonicalRequest)).toBe('f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59');
  });

  it('builds the published string to sign', () => {
    expect(signature.stringToSign).toBe(
      'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59',
    );
  });

  it('derives the published signing key', () => {
    expect(signingKey(credentials.secretAccessKey, '20150830', 'us-east-1', 'iam').toString('hex')).toBe('c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
  });

  it('computes the published signature and Authorization header', () => {
    expect(signature.signature).toBe('5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
    expect(signature.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    );
  });

  it('signs a different day with that day\'s key, not the cached one', () => {
    const signer = new SignatureV4(credentials, 'us-east-1', 'iam');
    const first = signer.sign(listUsers, date);
    const nextDay = signer.sign({ ...listUsers, headers: { ...listUsers.headers, 'X-Amz-Date': '20150831T123600Z' } }, '20150831T123600Z');
    expect(first.signature).toBe('5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
    expect(nextDay.stringToSign).toContain('20150831/us-east-1/iam/aws4_request');
    expect(nextDay.signature).not.toBe(first.signature);
    // And back again: the same request on the first day signs as published.
    expect(signer.sign(listUsers, date).signature).toBe(first.signature);
  });

  it('formats X-Amz-Date as the docs do', () => {
    expect(amzDate(new Date(Date.UTC(2015, 7, 30, 12, 36, 0, 123)))).toBe('20150830T123600Z');
  });
});
