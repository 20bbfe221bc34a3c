/** GET /.well-known/openid-configuration */
import { httpEndpoint } from '../adapters/http/http-endpoint.js';
import { config } from '../config.js';
import { openidConfiguration } from '../core/discovery/openid-configuration.js';
import { json } from '../core/http/http.js';

export const handler = httpEndpoint(async () => json(200, openidConfiguration(config())));
