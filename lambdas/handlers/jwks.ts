/** GET /jwks */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { providerSigner } from '../adapters/signing/signer.js';
import { config } from '../config.js';
import { jwks } from '../core/discovery/jwks.js';
import { json } from '../core/http/http.js';

export const handler = httpEndpoint(async () => json(200, await jwks(providerSigner(config()))));
