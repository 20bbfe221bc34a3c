/**
 * Verifies an ID token against the provider's published JWKS, as a relying party would
 * (OIDC Core §3.1.3.7): signature, iss, aud, exp. Prints the claims.
 *
 *   npx tsx scripts/verify-id-token.ts <issuer> <client_id> <id_token>
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [issuer, clientId, idToken] = process.argv.slice(2);
if (!issuer || !clientId || !idToken) {
  console.error('usage: npx tsx scripts/verify-id-token.ts <issuer> <client_id> <id_token>');
  process.exit(2);
}
const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
try {
  const { payload, protectedHeader } = await jwtVerify(idToken, createRemoteJWKSet(new URL(discovery.jwks_uri)), { issuer, audience: clientId });
  console.log(`ID token verified against ${discovery.jwks_uri} (alg ${protectedHeader.alg}, kid ${protectedHeader.kid})`);
  console.log(JSON.stringify(payload, null, 2));
} catch (error) {
  console.error(`ID token did NOT verify: ${(error as Error).message}`);
  process.exit(1);
}
