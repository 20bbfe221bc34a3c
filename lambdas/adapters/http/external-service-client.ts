/**
 * The HTTP client of the operator's external authentication service (docs/external-service.md):
 * short timeouts, no redirects, bounded retries for starting, and when the service fails, a log line
 * and a CloudWatch metric (embedded metric format) that name it, so operators see which service is
 * down instead of an opaque 503.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExternalServiceConfig } from '../../config.js';
import { signJwt } from '../../core/jwt/sign-jwt.js';
import type { ExternalAuthenticationRequest, ExternalAuthenticationService, ExternalStart, ExternalVerification, Signer } from '../../core/ports.js';
import { randomToken } from '../../core/secrets/secrets.js';

/** Start is retried on no answer, 5xx and 429: three attempts, 100 ms then 300 ms apart. */
const START_ATTEMPTS = 3;
const START_BACKOFF_MS = [100, 300];

type Answer = { kind: 'answer'; status: number; body: unknown } | { kind: 'none'; reason: string };

export class HttpExternalAuthenticationService implements ExternalAuthenticationService {
  readonly name: string;
  private basicCredentials: Promise<string> | undefined;

  constructor(
    private readonly config: ExternalServiceConfig,
    private readonly issuer: string,
    private readonly signer: Signer,
    private readonly region: string,
  ) {
    this.name = config.name;
  }

  async verifyUser(request: ExternalAuthenticationRequest, deadline: number): Promise<ExternalVerification> {
    const answer = await this.post('verify-user', request, deadline);
    const result = answer.kind === 'answer' && answer.status === 200 ? (answer.body as { result?: unknown; reason?: unknown } | undefined) : undefined;
    if (result?.result === 'ok') return { kind: 'ok' };
    if (result?.result === 'unknown_user') return { kind: 'unknownUser' };
    if (result?.result === 'not_allowed') return { kind: 'notAllowed', ...(typeof result.reason === 'string' ? { reason: result.reason.slice(0, 200) } : {}) };
    return this.unavailable('verify-user', answer);
  }

  async startAuthentication(request: Parameters<ExternalAuthenticationService['startAuthentication']>[0], deadline: number): Promise<ExternalStart> {
    let answer: Answer = { kind: 'none', reason: 'not attempted' };
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      if (attempt > 0) {
        const backoff = START_BACKOFF_MS[attempt - 1] ?? 300;
        if (Date.now() + backoff >= deadline) break;
        await sleep(backoff);
      }
      answer = await this.post('start-authentication', request, deadline);
      if (answer.kind === 'answer' && answer.status >= 200 && answer.status < 300) return { kind: 'started' };
      const retryable = answer.kind === 'none' || answer.status >= 500 || answer.status === 429;
      if (!retryable) break;
    }
    return this.unavailable('start-authentication', answer);
  }

  private unavailable(operation: string, answer: Answer): { kind: 'unavailable'; reason: string } {
    const reason = answer.kind === 'none' ? answer.reason : `HTTP ${answer.status}`;
    console.warn(JSON.stringify({ level: 'WARN', message: 'external authentication service unavailable', service: this.name, operation, reason }));
    // CloudWatch embedded metric format: one line on stdout becomes a metric, no SDK call needed.
    console.log(
      JSON.stringify({
        _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'CibaProvider', Dimensions: [['Service', 'Operation']], Metrics: [{ Name: 'ExternalServiceFailures', Unit: 'Count' }] }] },
        Service: this.name,
        Operation: operation,
        ExternalServiceFailures: 1,
      }),
    );
    return { kind: 'unavailable', reason };
  }

  private async post(operation: string, body: unknown, deadline: number): Promise<Answer> {
    // Each call has the configured timeout, but never beyond the request's own deadline.
    const timeout = Math.min(this.config.timeoutMs, deadline - Date.now());
    if (timeout < 50) return { kind: 'none', reason: 'no time left in the request' };
    try {
      const response = await fetch(`${this.config.url}/${operation}`, {
        method: 'POST',
        redirect: 'error',
        signal: AbortSignal.timeout(timeout),
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: await this.authorization() },
        body: JSON.stringify(body),
      });
      const text = (await response.text()).slice(0, 64 * 1024);
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { kind: 'answer', status: response.status, body: parsed };
    } catch (error) {
      return { kind: 'none', reason: (error as Error).name === 'TimeoutError' ? 'timeout' : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message) };
    }
  }

  private async authorization(): Promise<string> {
    const auth = this.config.auth;
    if (auth.kind === 'jwt') {
      const now = Math.floor(Date.now() / 1000);
      return `Bearer ${await signJwt(this.signer, { typ: 'JWT' }, { iss: this.issuer, aud: this.config.url, iat: now, exp: now + 60, jti: randomToken(16) })}`;
    }
    if (auth.kind === 'basic') return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    this.basicCredentials ??= new SecretsManagerClient({ region: this.region })
      .send(new GetSecretValueCommand({ SecretId: auth.secretId }))
      .then(({ SecretString }) => {
        const { username, password } = JSON.parse(SecretString ?? '{}') as { username?: string; password?: string };
        if (!username || !password) throw new Error(`secret ${auth.secretId} must hold {"username", "password"}`);
        return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      })
      .catch((error: unknown) => {
        this.basicCredentials = undefined;
        throw error;
      });
    return this.basicCredentials;
  }
}
