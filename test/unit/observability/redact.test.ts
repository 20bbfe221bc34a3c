/** The logger's redaction (lambdas/adapters/observability/redact.ts) and correlation ids. */
import { describe, expect, it } from 'vitest';
import { correlationIdOf, correlate, currentCorrelationId, withCorrelation } from '../../../lambdas/adapters/observability/correlation.js';
import { REDACTED, isSecretName, maskSecretsIn, redactSecrets } from '../../../lambdas/adapters/observability/redact.js';

const serialise = (value: unknown): string => JSON.stringify(value, redactSecrets);
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJlLWJ5dGVz';

describe('redactSecrets', () => {
  it('replaces the value of every secret parameter, in any spelling, however deep', () => {
    const logged = {
      client_secret: 's3cr3t-1',
      nested: { clientAssertion: 's3cr3t-2', list: [{ 'Binding-Message': 's3cr3t-3' }], user_code: 's3cr3t-4' },
      refresh_token: 's3cr3t-5',
      authorization: 'Device s3cr3t-6',
      pushToken: 's3cr3t-7',
      enrollment_code: 's3cr3t-8',
      client_notification_token: 's3cr3t-9',
      password: 's3cr3t-10',
      body: 'grant_type=x&client_secret=s3cr3t-11',
      request: 's3cr3t-12',
      login_hint_token: 's3cr3t-13',
      id_token_hint: 's3cr3t-14',
      signedDecision: 's3cr3t-15',
    };
    const text = serialise(logged);
    expect(text).not.toMatch(/s3cr3t/);
    expect(JSON.parse(text)).toMatchObject({ client_secret: REDACTED, nested: { clientAssertion: REDACTED, list: [{ 'Binding-Message': REDACTED }] } });
  });

  it('keeps what operators need: levels, messages, error codes, token types, endpoints', () => {
    const logged = { level: 'ERROR', message: 'delivery failed', code: 'ECONNREFUSED', token_type: 'Bearer', endpoint: '/token', outcome: 'invalid_grant', status: 400 };
    expect(JSON.parse(serialise(logged))).toEqual(logged);
    expect(isSecretName('tokenEndpointAuthMethod')).toBe(false);
  });

  it('logs an auth_req_id under its name as its correlation id', () => {
    expect(JSON.parse(serialise({ authReqId: 'abc', job: { auth_req_id: 'abc' } }))).toEqual({ authReqId: correlationIdOf('abc'), job: { auth_req_id: correlationIdOf('abc') } });
  });

  it('masks JWTs, HTTP credentials and secret parameters inside any text, error messages and stacks included', () => {
    const error = new Error(`bad request body client_secret=abc123&scope=openid with ${JWT} from Authorization: Basic Zm9vOmJhcg==`);
    const text = serialise({ error: { message: error.message, stack: error.stack } });
    for (const secret of ['abc123', JWT, 'Zm9vOmJhcg==']) expect(text).not.toContain(secret);
    expect(text).toContain('scope=openid');
    expect(maskSecretsIn('{"refresh_token":"r-1","token_type":"Bearer"}')).toBe(`{"refresh_token":"${REDACTED}","token_type":"Bearer"}`);
    expect(maskSecretsIn('Bearer abc.def~+/==')).toBe(`Bearer ${REDACTED}`);
    expect(maskSecretsIn(`a JWE ${JWT}.part4.part5 here`)).toBe('a JWE [REDACTED JWT] here');
  });
});

describe('correlation ids', () => {
  it('are 16 hex digits of the SHA-256 of the auth_req_id', () => {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(correlationIdOf('abc')).toBe('ba7816bf8f01cfea');
  });

  it('belong to the scope they were set in: concurrent jobs do not share one', async () => {
    const seen = await Promise.all(
      ['a', 'b'].map((id) =>
        withCorrelation(id, async () => {
          await new Promise((resolve) => setTimeout(resolve, id === 'a' ? 20 : 0));
          correlate('ignored: the first id of a scope wins');
          return currentCorrelationId();
        }),
      ),
    );
    expect(seen).toEqual([correlationIdOf('a'), correlationIdOf('b')]);
    expect(currentCorrelationId()).toBeUndefined();
  });
});
