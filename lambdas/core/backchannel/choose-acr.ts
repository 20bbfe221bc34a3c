import type { Config } from '../../config.js';
import type { Client } from '../model.js';

/**
 * CIBA Core §7.1 acr_values: the values in order of preference. The provider picks the first one it
 * can satisfy; values it does not know are voluntary claims (OIDC Core §5.5.1.1) and are passed over.
 * Without a usable value the client's registered default_acr_values (OIDC Registration §2) apply, then
 * the deployment's default acr, if it has one.
 */
export function chooseAcr(acrValues: string | undefined, client: Client, config: Pick<Config, 'acrValues' | 'defaultAcr'>): string | undefined {
  const supported = (value: string): boolean => config.acrValues.includes(value);
  return acrValues?.split(' ').find(supported) ?? client.metadata.default_acr_values?.find(supported) ?? config.defaultAcr;
}
