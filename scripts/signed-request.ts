/**
 * Makes what a client needs for signed authentication requests (CIBA Core §7.1.1), so nobody has to
 * paste private keys into a website:
 *
 *   npx tsx scripts/signed-request.ts keygen <key-file> [ES256|PS256|RS256]
 *       writes a private key (JWK) to <key-file> and prints the public JWK Set to register
 *   npx tsx scripts/signed-request.ts sign <key-file> <issuer> <client_id> name=value ...
 *       prints a request object: the parameters, plus aud, iss, iat, nbf, exp (5 min) and jti
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

const [command, keyFile, ...rest] = process.argv.slice(2);

if (command === 'keygen' && keyFile) {
  const alg = rest[0] ?? 'ES256';
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  writeFileSync(keyFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg }), { mode: 0o600 });
  console.log(JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }] }));
} else if (command === 'sign' && keyFile && rest.length >= 2) {
  const [issuer, clientId, ...pairs] = rest as [string, string, ...string[]];
  const jwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK & { alg: string; kid: string };
  const parameters: Record<string, string | number> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`expected name=value, got ${pair}`);
    const name = pair.slice(0, at);
    const value = pair.slice(at + 1);
    parameters[name] = name === 'requested_expiry' ? Number(value) : value;
  }
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT(parameters)
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'oauth-authz-req+jwt' })
    .setIssuer(clientId)
    .setAudience(issuer)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 300)
    .setJti(randomUUID())
    .sign(await importJWK(jwk, jwk.alg));
  console.log(jwt);
} else {
  console.error('usage: signed-request.ts keygen <key-file> [ES256|PS256|RS256] | sign <key-file> <issuer> <client_id> name=value ...');
  process.exit(2);
}
