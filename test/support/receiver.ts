/**
 * A client's backchannel_client_notification_endpoint for tests (CIBA Core §10.2, §10.3): a real
 * node:http server on 127.0.0.1, on a free port, that records every request it gets (method, path,
 * headers, raw body) and answers from a per-path script.
 *
 * A script is a list of answers used in turn; the last one repeats. An answer is a status code, an
 * object (status, headers, body, delayMs), or 'down': the request is read and recorded, then the
 * socket is destroyed without an answer. Paths without a script answer 204.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Answer only after this many milliseconds (to outlast the provider's delivery timeout). */
  readonly delayMs?: number;
}

export type Answer = number | ScriptedResponse | 'down';

export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, as on the request line. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as it arrived, decoded as UTF-8. */
  readonly body: string;
  /** What the receiver did with it: a status, or 'down'. */
  readonly answeredWith: number | 'down';
  /** When the whole body had arrived, epoch milliseconds. */
  readonly receivedAt: number;
}

export interface Receiver {
  readonly port: number;
  /** Every request so far, in order of arrival. */
  readonly requests: readonly ReceivedRequest[];
  /** http://127.0.0.1:<port><path> */
  url(path: string): string;
  /** The requests to one path (query included in `path` if it has one). */
  requestsTo(path: string): ReceivedRequest[];
  /** Sets (or replaces) the answers for a path; the answers already used are forgotten. */
  script(path: string, answers: readonly Answer[]): void;
  /** Resolves once `predicate` holds, checking every 50 ms; rejects after `timeoutMs`. */
  waitFor(predicate: (requests: readonly ReceivedRequest[]) => boolean, timeoutMs: number): Promise<void>;
  /** Resolves with the requests to `path` once there are at least `count`; rejects after `timeoutMs`. */
  waitForRequests(path: string, count: number, timeoutMs: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

const POLL_MS = 50;

/** Checks `condition` every 50 ms until it holds; throws after `timeoutMs`, naming `what`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** Waits for `probe` to return something that `accept` accepts, and returns it; throws after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number, what = 'the value'): Promise<T> {
  let last: T | undefined;
  try {
    await waitUntil(async () => accept((last = await probe())), timeoutMs, what);
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last)}`, { cause: error });
  }
  return last as T;
}

function normalise(answer: Answer): ScriptedResponse | 'down' {
  return typeof answer === 'number' ? { status: answer } : answer;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const scripts = new Map<string, { answers: readonly Answer[]; used: number }>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const next = (path: string): ScriptedResponse | 'down' => {
    const script = scripts.get(path);
    if (!script || script.answers.length === 0) return { status: 204 };
    const answer = script.answers[Math.min(script.used, script.answers.length - 1)] as Answer;
    script.used++;
    return normalise(answer);
  };

  const respond = (response: ServerResponse, answer: ScriptedResponse): void => {
    if (response.destroyed) return;
    response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    response.end(answer.body ?? '');
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      const answer = next(path);
      requests.push({
        method: request.method ?? '',
        path,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answeredWith: answer === 'down' ? 'down' : answer.status,
        receivedAt: Date.now(),
      });
      if (answer === 'down') {
        request.socket.destroy();
        return;
      }
      if (answer.delayMs === undefined) {
        respond(response, answer);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond(response, answer);
      }, answer.delayMs);
      timers.add(timer);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

  const requestsTo = (path: string): ReceivedRequest[] => requests.filter((request) => request.path === path);

  return {
    port,
    requests,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requestsTo,
    script(path, answers) {
      scripts.set(path, { answers: [...answers], used: 0 });
    },
    waitFor: (predicate, timeoutMs) => waitUntil(() => predicate(requests), timeoutMs, 'the receiver to get the expected requests'),
    async waitForRequests(path, count, timeoutMs) {
      await waitUntil(() => requestsTo(path).length >= count, timeoutMs, `${count} request(s) to ${path}`);
      return requestsTo(path);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
