/** The whitelist error serializer (RFC 6749 §5.2, Appendix A.8). */
import { describe, expect, it } from 'vitest';
import { InvalidRequest, invalidBearerToken, SlowDown, toErrorResponse } from '../../lambdas/core/errors.js';

// RFC 6749 Appendix A.8: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E )
const A8 = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

describe('toErrorResponse', () => {
  it('writes the code, status and description of an OAuth error', () => {
    expect(toErrorResponse(new SlowDown('wait 10 seconds'))).toEqual({
      status: 400,
      headers: {},
      body: { error: 'slow_down', error_description: 'wait 10 seconds' },
    });
  });

  it('keeps the error’s headers (the WWW-Authenticate challenge)', () => {
    expect(toErrorResponse(invalidBearerToken('no token')).headers).toEqual({ 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  });

  it('leaves error_description out when there is none', () => {
    expect(toErrorResponse(new InvalidRequest('')).body).toEqual({ error: 'invalid_request' });
  });

  it('turns an unknown Error into a 500 server_error that tells nothing of it', () => {
    const secret = 'ConditionalCheckFailed on table ciba-prod arn:aws:dynamodb:eu-west-1:123456789012';
    const response = toErrorResponse(Object.assign(new Error(secret), { error: 'invalid_grant', status: 400, description: secret }));
    expect(response.status).toBe(500);
    expect(response.body.error).toBe('server_error');
    expect(response.headers).toEqual({});
    expect(JSON.stringify(response)).not.toContain('ciba-prod');
    expect(JSON.stringify(response)).not.toContain('123456789012');
  });

  it.each([['a string', 'boom'], ['undefined', undefined], ['null', null], ['a plain object', { error: 'access_denied', status: 400 }]])(
    'turns %s thrown into server_error',
    (_name, thrown) => {
      const response = toErrorResponse(thrown);
      expect({ status: response.status, error: response.body.error }).toEqual({ status: 500, error: 'server_error' });
    },
  );

  it('replaces description characters outside RFC 6749 A.8', () => {
    const response = toErrorResponse(new InvalidRequest('bad "quote" and \\ back\nslash é 😀 \u0000 \u007F end'));
    const description = String(response.body.error_description);
    expect(description).toMatch(A8);
    expect(description.startsWith('bad ?quote? and ? back?slash ')).toBe(true);
    expect(description.endsWith(' end')).toBe(true);
  });

  it('leaves every A.8 character as it is', () => {
    let printable = '';
    for (let code = 0x20; code <= 0x7e; code++) if (code !== 0x22 && code !== 0x5c) printable += String.fromCharCode(code);
    expect(toErrorResponse(new InvalidRequest(printable)).body.error_description).toBe(printable);
  });
});
