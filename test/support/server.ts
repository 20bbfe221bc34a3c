/**
 * The in-process provider served over loopback HTTP by the local runner's own server, for tests that
 * talk to it as a client does (the README's curl walkthrough, the `ciba demo` command).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { Feature } from '../../lambdas/routes.js';
import { startServer } from '../../local/server.js';

/** Starts the server before this file's tests and stops it after; `issuer` is set once it listens. */
export function useLocalServer(): { readonly issuer: string } {
  const served = { issuer: '' };
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', features: new Set<Feature>(['simulator', 'automatedApproval']) });
    served.issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
    // The handlers read their configuration on first use, which comes after this.
    process.env.CIBA_ISSUER = served.issuer;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));
  return served;
}
