/** The local HTTP server: every request goes through `dispatch`, as through API Gateway. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Feature } from '../lambdas/routes.js';
import { dispatch } from './router.js';

/** API Gateway's own payload limit is 10 MB; nothing here needs more than a fraction of that. */
const MAX_BODY_BYTES = 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export function startServer(options: { port: number; host: string; features: ReadonlySet<Feature> }): Promise<Server> {
  const server = createServer((request, response) => {
    readBody(request)
      .then((body) =>
        dispatch(
          { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headersDistinct, body, sourceIp: request.socket.remoteAddress ?? '127.0.0.1' },
          options.features,
        ),
      )
      .then((result) => {
        response.writeHead(result.status, result.headers).end(result.body);
      })
      .catch((error: unknown) => {
        const tooLarge = error instanceof BodyTooLarge;
        if (!tooLarge) console.error('local runner: request failed', error);
        if (!response.headersSent) {
          response
            .writeHead(tooLarge ? 413 : 502, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
            .end(JSON.stringify({ message: tooLarge ? 'Request Entity Too Large' : 'Internal server error' }));
        }
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
