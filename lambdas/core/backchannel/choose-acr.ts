import type { Config } from '../../config.js';

/**
 * CIBA Core §7.1 acr_values: the values in order of preference. The provider picks the first one it
 * can satisfy; values it does not know are voluntary claims (OIDC Core §5.5.1.1) and are passed over.
 * Without a usable value the deployment's default acr applies, if it has one.
 */
export function chooseAcr(acrValues: string | undefined, config: Pick<Config, 'acrValues' | 'defaultAcr'>): string | undefined {
  const requested = acrValues?.split(' ').find((value) => config.acrValues.includes(value));
  return requested ?? config.defaultAcr;
}
