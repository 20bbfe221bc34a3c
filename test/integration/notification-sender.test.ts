/**
 * SafeNotificationSender against real local servers: what arrives (CIBA Core §10.2), how answers and
 * failures come back, and the SSRF guard (no loopback unless allowed, no redirects, no second lookup).
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SafeNotificationSender, type Resolve } from '../../lambdas/adapters/http/notification-sender.js';
import { selfSignedCertificate } from '../support/jwt.js';

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface LocalServer {
  readonly port: number;
  readonly received: Received[];
}

const servers: Array<Server | TlsServer> = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

function listening(server: Server | TlsServer): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** An HTTP server on 127.0.0.1 that records each request, then lets `answer` respond (or not). */
async function localServer(answer: (response: ServerResponse, request: IncomingMessage) => void): Promise<LocalServer> {
  const received: Received[] = [];
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ method: request.method, url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(response, request);
    });
  });
  return { port: await listening(server), received };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createHttpServer();
  const port = await listening(server);
  servers.splice(servers.indexOf(server), 1);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const local = (options: { timeoutMs?: number; resolve?: Resolve } = {}) => new SafeNotificationSender({ allowLoopback: true, allowHttp: true, ...options });
const deployed = (options: { resolve?: Resolve } = {}) => new SafeNotificationSender({ allowLoopback: false, allowHttp: false, ...options });

const notification = (url: string) => ({ url, bearerToken: '8d67dc78-7faa-4d41-aabd-67707b374255', body: '{"auth_req_id":"1c266114-a1be-4252-8ad1-04986c5b9ac1"}' });

describe('SafeNotificationSender, the local runner (loopback and http allowed)', () => {
  it('POSTs the body with exactly the Content-Type, Authorization and Content-Length headers', async () => {
    const server = await localServer((response) => response.writeHead(204).end());
    const sent = notification(`http://127.0.0.1:${server.port}/cb?client=1`);

    const result = await local().send(sent);

    expect(result).toEqual({ kind: 'response', status: 204 });
    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/cb?client=1');
    expect(request?.body).toBe(sent.body);
    expect(request?.headers).toEqual({
      'content-type': 'application/json',
      authorization: `Bearer ${sent.bearerToken}`,
      'content-length': String(Buffer.byteLength(sent.body)),
      // Node's own: the URL's host, and no keep-alive (each notification connects afresh).
      host: `127.0.0.1:${server.port}`,
      connection: 'close',
    });
  });

  it('returns an error status as a response', async () => {
    const server = await localServer((response) => response.writeHead(503, { 'Retry-After': '1' }).end('busy'));
    expect(await local().send(notification(`http://127.0.0.1:${server.port}/cb`))).toEqual({ kind: 'response', status: 503 });
  });

  it('returns a redirect as a response and never follows it', async () => {
    const elsewhere = await localServer((response) => response.writeHead(200).end());
    const redirecting = await localServer((response) => response.writeHead(301, { Location: `http://127.0.0.1:${elsewhere.port}/stolen` }).end());

    const result = await local().send(notification(`http://127.0.0.1:${redirecting.port}/cb`));

    expect(result).toEqual({ kind: 'response', status: 301 });
    expect(redirecting.received).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
  });

  it('stops reading a long response body after a little and still returns the status', { timeout: 10_000 }, async () => {
    // The body never ends: only the read limit, not the (much longer) deadline, lets send() complete in time.
    const server = await localServer((response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.write(Buffer.alloc(256 * 1024, 'x'));
    });
    expect(await local({ timeoutMs: 60_000 }).send(notification(`http://127.0.0.1:${server.port}/cb`))).toEqual({ kind: 'response', status: 200 });
  });

  it('gives up on an endpoint that never answers: networkError timeout', async () => {
    const server = await localServer(() => undefined);
    const result = await local({ timeoutMs: 300 }).send(notification(`http://127.0.0.1:${server.port}/cb`));
    expect(result).toEqual({ kind: 'networkError', reason: 'timeout' });
    expect(server.received).toHaveLength(1);
  });

  it('reports a closed port as a networkError', async () => {
    const port = await closedPort();
    expect(await local().send(notification(`http://127.0.0.1:${port}/cb`))).toEqual({ kind: 'networkError', reason: 'ECONNREFUSED' });
  });

  it('reports a TLS failure as a networkError: https to a plain http server', async () => {
    const server = await localServer((response) => response.writeHead(200).end());
    const result = await local().send(notification(`https://127.0.0.1:${server.port}/cb`));
    expect(result.kind).toBe('networkError');
    expect(server.received).toHaveLength(0);
  });

  it('connects to the checked address only: no second lookup, Host stays the URL hostname', async () => {
    const server = await localServer((response) => response.writeHead(200).end());
    // A rebinding name server: the checked answer first, anything else afterwards.
    const answers = [['127.0.0.1'], ['10.0.0.1']];
    const lookups: string[] = [];
    const rebinding: Resolve = async (hostname) => {
      lookups.push(hostname);
      return answers[Math.min(lookups.length - 1, answers.length - 1)] ?? [];
    };

    const result = await local({ resolve: rebinding }).send(notification(`http://notify.test:${server.port}/cb`));

    expect(result).toEqual({ kind: 'response', status: 200 });
    expect(lookups).toEqual(['notify.test']);
    expect(server.received[0]?.headers.host).toBe(`notify.test:${server.port}`);
  });

  it('keeps the hostname for TLS: SNI notify.test, and a certificate the system CAs do not trust is refused', async () => {
    const certificate = selfSignedCertificate('ec', '/CN=notify.test');
    const serverNames: string[] = [];
    const server = createTlsServer({
      key: certificate.privateKeyPem,
      cert: certificate.certificatePem,
      SNICallback: (name, callback) => {
        serverNames.push(name);
        callback(null);
      },
    });
    // The client hangs up on the untrusted certificate: expected here.
    server.on('tlsClientError', () => undefined);
    const port = await listening(server);

    const sender = new SafeNotificationSender({ allowLoopback: true, allowHttp: false, resolve: async () => ['127.0.0.1'] });
    const result = await sender.send(notification(`https://notify.test:${port}/cb`));

    expect(result).toEqual({ kind: 'networkError', reason: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(serverNames).toEqual(['notify.test']);
  });

  it('still refuses what is not loopback', async () => {
    const sender = local({ resolve: async () => ['127.0.0.1', '10.0.0.7'] });
    expect(await sender.check('http://notify.test/cb')).toBe('notify.test resolves to a private address');
    expect(await sender.send(notification('http://169.254.169.254/latest/meta-data/'))).toEqual({
      kind: 'forbidden',
      reason: '169.254.169.254 is a cloud metadata service address',
    });
  });

  it('accepts an endpoint that passes every check', async () => {
    expect(await local({ resolve: async () => ['127.0.0.1', '::1'] }).check('http://notify.test:8080/cb')).toBeUndefined();
    expect(await local().check('http://127.0.0.1:8080/cb')).toBeUndefined();
  });
});

describe('SafeNotificationSender, deployed (no loopback, https only)', () => {
  it.each([
    ['http://127.0.0.1/cb', 'the notification endpoint must use https, not http'],
    ['https://127.0.0.1/cb', '127.0.0.1 is a loopback address'],
    ['https://[::1]/cb', '::1 is a loopback address'],
    ['https://[::ffff:127.0.0.1]/cb', '::ffff:7f00:1 is a loopback address'],
    ['https://2130706433/cb', '127.0.0.1 is a loopback address'],
    ['https://[fd00:ec2::254]/latest/meta-data/', 'fd00:ec2::254 is a cloud metadata service address'],
    ['https://0.0.0.0/cb', '0.0.0.0 is an unspecified address'],
    ['https://client:secret@client.example.com/cb', 'the notification endpoint must not contain userinfo'],
    ['ftp://client.example.com/cb', 'the notification endpoint must use https, not ftp'],
    ['not a url', 'the notification endpoint is not a URL'],
  ])('check() refuses %s: %s', async (url, reason) => {
    expect(await deployed({ resolve: async () => ['8.8.8.8'] }).check(url)).toBe(reason);
  });

  it('refuses localhost through the system resolver, in check() and send()', async () => {
    const server = await localServer((response) => response.writeHead(200).end());
    const sender = new SafeNotificationSender({ allowLoopback: false, allowHttp: true });

    expect(await sender.check(`http://localhost:${server.port}/cb`)).toBe('localhost resolves to a loopback address');
    expect(await sender.send(notification(`http://localhost:${server.port}/cb`))).toEqual({ kind: 'forbidden', reason: 'localhost resolves to a loopback address' });
    expect(await sender.send(notification(`http://127.0.0.1:${server.port}/cb`))).toEqual({ kind: 'forbidden', reason: '127.0.0.1 is a loopback address' });
    expect(server.received).toHaveLength(0);
  });

  it('refuses a name that resolves to a private address, without naming the address', async () => {
    const sender = deployed({ resolve: async () => ['10.20.30.40'] });
    const reason = 'db.internal.example resolves to a private address';
    expect(await sender.check('https://db.internal.example/cb')).toBe(reason);
    expect(await sender.send(notification('https://db.internal.example/cb'))).toEqual({ kind: 'forbidden', reason });
  });

  it('refuses a name when any one of its addresses is forbidden', async () => {
    const sender = deployed({ resolve: async () => ['8.8.8.8', '2606:4700:4700::1111', '::ffff:a9fe:a9fe'] });
    expect(await sender.check('https://client.example.com/cb')).toBe('client.example.com resolves to a cloud metadata service address');
  });

  it('accepts a name whose addresses are all public, without connecting', async () => {
    expect(await deployed({ resolve: async () => ['8.8.8.8', '2606:4700:4700::1111'] }).check('https://client.example.com/cb')).toBeUndefined();
  });

  it('refuses a name that does not resolve in check(), and reports a networkError in send()', async () => {
    const failing: Resolve = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example'), { code: 'ENOTFOUND' });
    };
    const sender = deployed({ resolve: failing });
    expect(await sender.check('https://nowhere.example/cb')).toBe('could not resolve nowhere.example: ENOTFOUND');
    expect(await sender.send(notification('https://nowhere.example/cb'))).toEqual({ kind: 'networkError', reason: 'could not resolve nowhere.example: ENOTFOUND' });
    expect(await deployed({ resolve: async () => [] }).check('https://nowhere.example/cb')).toBe('could not resolve nowhere.example: no addresses');
  });

  it('stops waiting for a resolver that never answers', async () => {
    const sender = new SafeNotificationSender({ allowLoopback: false, allowHttp: false, timeoutMs: 300, resolve: () => new Promise<string[]>(() => undefined) });
    expect(await sender.send(notification('https://slow.example/cb'))).toEqual({ kind: 'networkError', reason: 'could not resolve slow.example: timeout' });
  });
});

describe('SafeNotificationSender, the bearer token', () => {
  it.each(['', 'two words', 'line\r\nX-Injected: 1', 'bad"quote', '=abc'])('rejects %j before connecting: CIBA Core §7.1 requires an RFC 6750 b64token', async (bearerToken) => {
    const server = await localServer((response) => response.writeHead(204).end());
    await expect(local().send({ ...notification(`http://127.0.0.1:${server.port}/cb`), bearerToken })).rejects.toThrow(TypeError);
    expect(server.received).toHaveLength(0);
  });
});
