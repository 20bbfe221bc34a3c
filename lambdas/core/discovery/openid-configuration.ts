/**
 * OpenID Provider metadata (OIDC Discovery §3, RFC 8414 §2, CIBA Core §4).
 * Lists exactly what this deployment does: nothing here is aspirational.
 */
import type { Config } from '../../config.js';
import { endpointPaths } from '../../routes.js';
import { CLIENT_SIGNING_ALGS, ID_TOKEN_SIGNING_ALGS, TOKEN_ENDPOINT_AUTH_METHODS } from '../registration/validate-client-metadata.js';
import { CIBA_GRANT_TYPE } from '../model.js';
import { AUTHORIZATION_DETAILS_TYPES } from '../authorization-details/check-authorization-details.js';
import { CLAIMS_BY_SCOPE, OFFLINE_ACCESS, SUPPORTED_SCOPES } from '../scopes.js';
import { AUTH_REQ_ID_CLAIM, RT_HASH_CLAIM } from '../token/mint-token-response.js';
import { REFRESH_TOKEN_GRANT_TYPE } from '../token/refresh/refresh-policy.js';

export function openidConfiguration(config: Config): Record<string, unknown> {
  const at = (path: string): string => `${config.issuer}${path}`;
  const standardClaims = new Set(Object.values(CLAIMS_BY_SCOPE).flat());
  return {
    issuer: config.issuer,
    token_endpoint: at(endpointPaths.token),
    backchannel_authentication_endpoint: at(endpointPaths.backchannelAuthentication),
    jwks_uri: at(endpointPaths.jwks),
    registration_endpoint: at(endpointPaths.registration),
    userinfo_endpoint: at(endpointPaths.userinfo),
    introspection_endpoint: at(endpointPaths.introspection),
    revocation_endpoint: at(endpointPaths.revocation),
    grant_types_supported: [CIBA_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE],
    backchannel_token_delivery_modes_supported: config.deliveryModes,
    backchannel_authentication_request_signing_alg_values_supported: [...CLIENT_SIGNING_ALGS],
    request_object_signing_alg_values_supported: [...CLIENT_SIGNING_ALGS],
    backchannel_user_code_parameter_supported: true,
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_SIGNING_ALGS],
    // RFC 8414 §2: client authentication there is the token endpoint's.
    introspection_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    introspection_endpoint_auth_signing_alg_values_supported: [...CLIENT_SIGNING_ALGS],
    revocation_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_SIGNING_ALGS],
    id_token_signing_alg_values_supported: [...ID_TOKEN_SIGNING_ALGS],
    subject_types_supported: ['public'],
    scopes_supported: [...SUPPORTED_SCOPES, OFFLINE_ACCESS],
    acr_values_supported: config.acrValues,
    authorization_details_types_supported: Object.keys(AUTHORIZATION_DETAILS_TYPES),
    claims_supported: ['iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'amr', 'at_hash', AUTH_REQ_ID_CLAIM, RT_HASH_CLAIM, ...standardClaims],
  };
}
