/**
 * CIBA Core §7.1 acr_values: the values in order of preference. The provider picks the first one it
 * can satisfy; values it does not know are voluntary claims (OIDC Core §5.5.1.1) and are passed over.
 * Returns undefined when the client asked for none or for none this deployment offers.
 */
export function chooseAcr(acrValues: string | undefined, supported: readonly string[]): string | undefined {
  if (acrValues === undefined) return undefined;
  return acrValues.split(' ').find((value) => supported.includes(value));
}
