/**
 * `npm run bench`: figures for a completed CIBA poll flow in the provider's own process, against
 * DynamoDB Local, through the same handlers and API Gateway events as in AWS. Prints, asserts nothing.
 *
 * - DynamoDB requests per poll, and for the rest of a flow (backchannel request, approval, redemption),
 *   with the function warm (client record cached) as in steady state;
 * - CPU time per completed flow (process.cpuUsage, user + system, of this process only: DynamoDB Local is
 *   another process), for a client_secret_basic flow and a private_key_jwt flow with a signed request.
 *
 *   npm run bench [-- --flows 200]
 */
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createProviderTable, localDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local.js';
import { applyEnvironment, lambdaEnvironment } from '../local/options.js';
import { seedDemoUsers } from '../local/seed.js';

const { values } = parseArgs({ options: { flows: { type: 'string', default: '200' } } });
const FLOWS = Number(values.flows);
const ISSUER = 'https://bench.local';
const IAT = 'bench-initial-access-token-0123456789';
const CIBA = 'urn:openid:params:grant-type:ciba';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const dynamodb = await startDynamoDbLocal({ port: await freePort() });
try {
  const setup = localDynamoDbClient(dynamodb.endpoint);
  await createProviderTable(setup, 'ciba-bench');
  await seedDemoUsers(setup, 'ciba-bench');
  setup.destroy();
  applyEnvironment({
    ...lambdaEnvironment({ issuer: ISSUER, tableName: 'ciba-bench', dynamoDbEndpoint: dynamodb.endpoint, initialAccessToken: IAT }),
    // Polls in the benchmark come back to back; the interval rule is not what is measured.
    CIBA_POLL_INTERVAL_SECONDS: '1',
    // Per-user limits at their deployed default, but for the rate: the flows are one user's, back to back.
    CIBA_USER_MAX_PENDING_REQUESTS: '5',
    CIBA_USER_REQUESTS_PER_MINUTE: '100000',
  });

  const { dispatch } = await import('../local/router.js');
  const { config } = await import('../lambdas/config.js');
  const { dynamoDbClient } = await import('../lambdas/adapters/dynamodb/dynamodb-client.js');
  const features = new Set(['simulator', 'automatedApproval'] as const);

  // Count every command the provider's DynamoDB client sends.
  const counts = new Map<string, number>();
  dynamoDbClient(config()).middlewareStack.add(
    (next, context) => async (args) => {
      counts.set(context.commandName as string, (counts.get(context.commandName as string) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchCounter' },
  );
  const total = (): number => [...counts.values()].reduce((a, b) => a + b, 0);

  const call = async (method: string, url: string, headers: Record<string, string>, body?: string) => {
    const response = await dispatch({ method, url, headers, body }, features);
    return { status: response.status, json: JSON.parse(response.body || '{}') as Record<string, string> };
  };
  const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

  // A client_secret_basic client, and a private_key_jwt client that signs its requests.
  const register = async (metadata: Record<string, unknown>) =>
    (await call('POST', '/register', { authorization: `Bearer ${IAT}`, 'content-type': 'application/json' }, JSON.stringify({ backchannel_token_delivery_mode: 'poll', ...metadata }))).json;
  const basicClient = await register({});
  const basic = { authorization: `Basic ${Buffer.from(`${basicClient.client_id}:${basicClient.client_secret}`).toString('base64')}` };
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
  const pkjwtClient = await register({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] }, backchannel_authentication_request_signing_alg: 'ES256', token_endpoint_auth_signing_alg: 'ES256' });
  const pkjwtId = pkjwtClient.client_id as string;
  const now = () => Math.floor(Date.now() / 1000);
  const assertion = () =>
    new SignJWT({ jti: crypto.randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: 'bench' }).setIssuer(pkjwtId).setSubject(pkjwtId).setAudience(ISSUER).setIssuedAt().setExpirationTime(now() + 60).sign(privateKey);
  const requestObject = () =>
    new SignJWT({ scope: 'openid', login_hint: 'jane.doe', binding_message: 'Bench payment of £1.00', jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'oauth-authz-req+jwt' })
      .setIssuer(pkjwtId).setAudience(ISSUER).setIssuedAt().setNotBefore(now()).setExpirationTime(now() + 300).sign(privateKey);
  const pkjwtAuth = async () => ({ client_id: pkjwtId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion() });

  /**
   * One flow: CPU microseconds, and DynamoDB requests of the pending poll, of the redeeming poll and of
   * the rest (backchannel request and approval). The JWTs a client signs are made outside the measured CPU.
   */
  async function flow(kind: 'basic' | 'pkjwt'): Promise<{ cpu: number; pendingPoll: number; redeemingPoll: number; rest: number }> {
    const bcBody = kind === 'basic' ? form({ scope: 'openid', login_hint: 'jane.doe', binding_message: 'Bench payment of £1.00' }) : form({ ...(await pkjwtAuth()), request: await requestObject() });
    const headers = kind === 'basic' ? { ...formHeaders, ...basic } : formHeaders;
    const pollBody = async (id: string) => form({ grant_type: CIBA, auth_req_id: id, ...(kind === 'pkjwt' ? await pkjwtAuth() : {}) });
    let cpu = 0;
    const measured = async <T>(work: () => Promise<T>): Promise<T> => {
      const start = process.cpuUsage();
      const result = await work();
      const used = process.cpuUsage(start);
      cpu += used.user + used.system;
      return result;
    };
    const before = total();
    const started = await measured(() => call('POST', '/bc-authorize', headers, bcBody));
    const id = started.json.auth_req_id as string;
    const afterStart = total();
    const pending = await pollBody(id);
    await measured(() => call('POST', '/token', headers, pending));
    const pendingPoll = total() - afterStart;
    await measured(() => call('POST', `/test/ciba/approve?auth_req_id=${id}&action=allow`, {}));
    const redeem = await pollBody(id);
    const beforeRedeem = total();
    const tokens = await measured(() => call('POST', '/token', headers, redeem));
    if (tokens.status !== 200) throw new Error(`flow failed: ${JSON.stringify(tokens.json)}`);
    const redeemingPoll = total() - beforeRedeem;
    return { cpu, pendingPoll, redeemingPoll, rest: total() - before - pendingPoll - redeemingPoll };
  }

  for (const kind of ['basic', 'pkjwt'] as const) {
    for (let i = 0; i < 20; i++) await flow(kind); // warm-up: JIT, caches, connections
    counts.clear();
    const results = [];
    for (let i = 0; i < FLOWS; i++) results.push(await flow(kind));
    const cpus = results.map((r) => r.cpu).sort((a, b) => a - b);
    const mean = cpus.reduce((a, b) => a + b, 0) / cpus.length;
    const last = results[results.length - 1]!;
    const byCommand = [...counts.entries()].map(([name, n]) => `${name} ${(n / FLOWS).toFixed(2)}`).join(', ');
    console.log(`\n${kind === 'basic' ? 'client_secret_basic, form request' : 'private_key_jwt, signed request (ES256)'}: ${FLOWS} flows`);
    console.log(`  CPU per completed flow (bc-authorize, 1 pending poll, approval, redeeming poll): mean ${(mean / 1000).toFixed(3)} ms, median ${(cpus[Math.floor(cpus.length / 2)]! / 1000).toFixed(3)} ms, p90 ${(cpus[Math.floor(cpus.length * 0.9)]! / 1000).toFixed(3)} ms`);
    console.log(`  DynamoDB requests: pending poll ${last.pendingPoll}, redeeming poll ${last.redeemingPoll}, backchannel request + approval ${last.rest} (per flow by command: ${byCommand})`);
  }
} finally {
  await dynamodb.stop();
}
