/**
 * `npm run bench`: figures for a completed CIBA poll flow in the provider's own process, against
 * DynamoDB Local, through the same handlers and API Gateway events as in AWS. Prints, asserts nothing.
 *
 * - DynamoDB requests per pending poll, per redeeming poll, and for the rest of a flow (backchannel
 *   request and approval), by operation, with the function warm (client record cached) as in steady
 *   state; counted by an observer on the provider's lean DynamoDB client, every HTTP attempt included;
 * - consumed capacity per flow (the benchmark alone asks for ReturnConsumedCapacity TOTAL; DynamoDB
 *   Local reports it as DynamoDB does);
 * - CPU time per completed flow (process.cpuUsage, user + system, of this process only: DynamoDB Local is
 *   another process), for a client_secret_basic flow and a private_key_jwt flow with a signed request.
 *
 *   npm run bench [-- --flows 200] [-- --json]
 *
 * --json prints one object: { flows, dynamodb: { perPendingPoll, perRedeemingPoll, perFlowExcludingPolls,
 * byOperation, consumedCapacity: { readUnitsPerFlow, writeUnitsPerFlow } }, cpuMsPerFlow: { basic,
 * privateKeyJwt } }, the DynamoDB figures being those of the client_secret_basic flow.
 */
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createProviderTable, localDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local.js';
import { applyEnvironment, lambdaEnvironment } from '../local/options.js';
import { seedDemoUsers } from '../local/seed.js';

const { values } = parseArgs({ options: { flows: { type: 'string', default: '200' }, json: { type: 'boolean', default: false } } });
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
  const { awsCredentials, config } = await import('../lambdas/config.js');
  const { LeanDynamoDbClient } = await import('../lambdas/adapters/dynamodb/lean-dynamodb-client.js');
  const { useDynamoDbClient } = await import('../lambdas/adapters/dynamodb/dynamodb-client.js');
  const features = new Set(['simulator', 'automatedApproval'] as const);

  // Count every request the provider's DynamoDB client sends, and the capacity each consumed.
  const counts = new Map<string, number>();
  const capacity = { read: 0, write: 0 };
  const READS = new Set(['GetItem', 'Query']);
  const unitsOf = (consumed: unknown): number =>
    (Array.isArray(consumed) ? consumed : [consumed]).reduce((sum: number, entry) => sum + Number((entry as { CapacityUnits?: number } | undefined)?.CapacityUnits ?? 0), 0);
  const dynamodbClient = new LeanDynamoDbClient({
    region: config().region,
    endpoint: dynamodb.endpoint,
    credentials: awsCredentials(),
    returnConsumedCapacity: 'TOTAL',
    onRequest(event) {
      counts.set(event.operation, (counts.get(event.operation) ?? 0) + 1);
      if (READS.has(event.operation)) capacity.read += unitsOf(event.consumedCapacity);
      else capacity.write += unitsOf(event.consumedCapacity);
    },
  });
  useDynamoDbClient(dynamodbClient);
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

  type Step = 'backchannel' | 'pendingPoll' | 'approval' | 'redeemingPoll';
  /**
   * One flow: CPU microseconds, and DynamoDB requests of the pending poll, of the redeeming poll and of
   * the rest (backchannel request and approval). The JWTs a client signs are made outside the measured CPU.
   */
  async function flow(kind: 'basic' | 'pkjwt'): Promise<{ cpu: number; system: number; steps: Record<Step, number>; pendingPoll: number; redeemingPoll: number; rest: number }> {
    const bcBody = kind === 'basic' ? form({ scope: 'openid', login_hint: 'jane.doe', binding_message: 'Bench payment of £1.00' }) : form({ ...(await pkjwtAuth()), request: await requestObject() });
    const headers = kind === 'basic' ? { ...formHeaders, ...basic } : formHeaders;
    const pollBody = async (id: string) => form({ grant_type: CIBA, auth_req_id: id, ...(kind === 'pkjwt' ? await pkjwtAuth() : {}) });
    let cpu = 0;
    let system = 0;
    const steps = { backchannel: 0, pendingPoll: 0, approval: 0, redeemingPoll: 0 };
    const measured = async <T>(step: Step, work: () => Promise<T>): Promise<T> => {
      const start = process.cpuUsage();
      const result = await work();
      const used = process.cpuUsage(start);
      cpu += used.user + used.system;
      system += used.system;
      steps[step] += used.user + used.system;
      return result;
    };
    const before = total();
    const started = await measured('backchannel', () => call('POST', '/bc-authorize', headers, bcBody));
    const id = started.json.auth_req_id as string;
    const afterStart = total();
    const pending = await pollBody(id);
    await measured('pendingPoll', () => call('POST', '/token', headers, pending));
    const pendingPoll = total() - afterStart;
    await measured('approval', () => call('POST', `/test/ciba/approve?auth_req_id=${id}&action=allow`, {}));
    const redeem = await pollBody(id);
    const beforeRedeem = total();
    const tokens = await measured('redeemingPoll', () => call('POST', '/token', headers, redeem));
    if (tokens.status !== 200) throw new Error(`flow failed: ${JSON.stringify(tokens.json)}`);
    const redeemingPoll = total() - beforeRedeem;
    return { cpu, system, steps, pendingPoll, redeemingPoll, rest: total() - before - pendingPoll - redeemingPoll };
  }

  const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  const summaries = [];
  for (const kind of ['basic', 'pkjwt'] as const) {
    for (let i = 0; i < 20; i++) await flow(kind); // warm-up: JIT, caches, connections
    counts.clear();
    capacity.read = 0;
    capacity.write = 0;
    const results: Awaited<ReturnType<typeof flow>>[] = [];
    for (let i = 0; i < FLOWS; i++) results.push(await flow(kind));
    const cpus = results.map((r) => r.cpu).sort((a, b) => a - b);
    const summary = {
      kind,
      cpuMs: mean(cpus) / 1000,
      medianCpuMs: cpus[Math.floor(cpus.length / 2)]! / 1000,
      p90CpuMs: cpus[Math.floor(cpus.length * 0.9)]! / 1000,
      systemCpuMs: mean(results.map((r) => r.system)) / 1000,
      stepCpuMs: Object.fromEntries((['backchannel', 'pendingPoll', 'approval', 'redeemingPoll'] as const).map((step) => [step, mean(results.map((r) => r.steps[step])) / 1000])),
      perPendingPoll: mean(results.map((r) => r.pendingPoll)),
      perRedeemingPoll: mean(results.map((r) => r.redeemingPoll)),
      perFlowExcludingPolls: mean(results.map((r) => r.rest)),
      byOperation: Object.fromEntries([...counts.entries()].sort().map(([name, n]) => [name, n / FLOWS])),
      readUnitsPerFlow: capacity.read / FLOWS,
      writeUnitsPerFlow: capacity.write / FLOWS,
    };
    summaries.push(summary);
    if (values.json) continue;
    const byOperation = Object.entries(summary.byOperation).map(([name, n]) => `${name} ${n.toFixed(2)}`).join(', ');
    console.log(`\n${kind === 'basic' ? 'client_secret_basic, form request' : 'private_key_jwt, signed request (ES256)'}: ${FLOWS} flows`);
    console.log(`  CPU per completed flow (bc-authorize, 1 pending poll, approval, redeeming poll): mean ${summary.cpuMs.toFixed(3)} ms, median ${summary.medianCpuMs.toFixed(3)} ms, p90 ${summary.p90CpuMs.toFixed(3)} ms`);
    console.log(`    of which system (kernel: loopback TCP to DynamoDB Local) ${summary.systemCpuMs.toFixed(3)} ms; by step (mean): ${Object.entries(summary.stepCpuMs).map(([step, ms]) => `${step} ${ms.toFixed(3)}`).join(', ')} ms`);
    console.log(`  DynamoDB requests: pending poll ${summary.perPendingPoll.toFixed(2)}, redeeming poll ${summary.perRedeemingPoll.toFixed(2)}, backchannel request + approval ${summary.perFlowExcludingPolls.toFixed(2)} (per flow by operation: ${byOperation})`);
    console.log(`  Consumed capacity per flow: ${summary.readUnitsPerFlow.toFixed(2)} read units, ${summary.writeUnitsPerFlow.toFixed(2)} write units`);
  }
  if (values.json) {
    const [basic, pkjwt] = summaries as [(typeof summaries)[number], (typeof summaries)[number]];
    console.log(
      JSON.stringify({
        flows: FLOWS,
        dynamodb: {
          perPendingPoll: basic.perPendingPoll,
          perRedeemingPoll: basic.perRedeemingPoll,
          perFlowExcludingPolls: basic.perFlowExcludingPolls,
          byOperation: basic.byOperation,
          consumedCapacity: { readUnitsPerFlow: basic.readUnitsPerFlow, writeUnitsPerFlow: basic.writeUnitsPerFlow },
        },
        cpuMsPerFlow: { basic: basic.cpuMs, privateKeyJwt: pkjwt.cpuMs },
      }),
    );
  }
  dynamodbClient.destroy();
} finally {
  await dynamodb.stop();
}
