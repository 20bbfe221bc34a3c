/** The external authentication service as configured (none when unset), made once per process. */
import type { Config } from '../config.js';
import type { ExternalAuthenticationService } from '../core/ports.js';
import { HttpExternalAuthenticationService } from './http/external-service-client.js';
import { providerSigner } from './signing/signer.js';

let service: ExternalAuthenticationService | undefined;

export function externalService(config: Config): ExternalAuthenticationService | undefined {
  if (!config.externalService) return undefined;
  service ??= new HttpExternalAuthenticationService(config.externalService, config.issuer, providerSigner(config), config.region);
  return service;
}
