/**
 * Where the registration endpoint's initial access token comes from: the environment when run
 * locally, Secrets Manager when deployed (read once per cold start, never logged).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from '../config.js';
import type { InitialAccessTokenSource } from '../core/ports.js';

let fromSecret: Promise<string | undefined> | undefined;

export function initialAccessTokenSource(config: Config): InitialAccessTokenSource {
  const setting = config.initialAccessToken;
  if (setting === undefined) return async () => undefined;
  if (setting.kind === 'value') return async () => setting.value;
  return () => {
    fromSecret ??= new SecretsManagerClient({ region: config.region })
      .send(new GetSecretValueCommand({ SecretId: setting.secretId }))
      .then((result) => result.SecretString)
      .catch((error: unknown) => {
        fromSecret = undefined; // retried by the next request
        throw error;
      });
    return fromSecret;
  };
}
