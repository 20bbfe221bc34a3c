/**
 * HTTP/1.1 over kept-alive TCP or TLS connections to one origin, for the lean DynamoDB client: one
 * write per request (head and body together), the answer parsed from the socket's bytes.
 *
 * Why not node:http: its ClientRequest / IncomingMessage / Agent machinery (streams, events, header
 * validation, socket bookkeeping) costs more CPU per request than all the rest of a DynamoDB call,
 * and the profile of a CIBA flow is dominated by it. The protocol spoken here is the small part of
 * HTTP/1.1 that DynamoDB needs: a POST with Content-Length; an answer framed by Content-Length or
 * chunked transfer coding (or, failing both, by the connection's end).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9112 (HTTP/1.1 message syntax and framing)
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface HttpAnswer {
  readonly statusCode: number;
  /** Names lowercased; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Connection errors carry a code, as node's own do, so that callers can tell them from answers. */
const connectionError = (message: string, code: string): Error => Object.assign(new Error(message), { code });

const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

/** The answer once `buffer` holds all of it, else undefined; `closed` frames a body that has no length. */
function parseAnswer(buffer: Buffer, closed: boolean): (HttpAnswer & { readonly keepAlive: boolean }) | undefined {
  const headEnd = buffer.indexOf(HEAD_END);
  if (headEnd < 0) {
    if (closed) throw connectionError('connection closed before the answer', 'ECONNRESET');
    return undefined;
  }
  const lines = buffer.toString('latin1', 0, headEnd).split('\r\n');
  const status = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
  if (!status) throw connectionError(`not an HTTP/1.x answer: ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`, 'EPROTO');
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const statusCode = Number(status[2]);
  const keepAlive = status[1] === '1' ? headers.connection?.toLowerCase() !== 'close' : headers.connection?.toLowerCase() === 'keep-alive';
  const bodyStart = headEnd + HEAD_END.length;
  if (statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode < 200)) return { statusCode, headers, body: '', keepAlive };
  if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
    const chunks: Buffer[] = [];
    let at = bodyStart;
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', at);
      if (lineEnd < 0) return closed ? failClosed() : undefined;
      const size = parseInt(buffer.toString('latin1', at, lineEnd).split(';')[0] as string, 16);
      if (!Number.isInteger(size) || size < 0) throw connectionError('malformed chunk size', 'EPROTO');
      if (size === 0) {
        // The last chunk, then optional trailer fields, then an empty line.
        const end = buffer.indexOf('\r\n', lineEnd + 2) === lineEnd + 2 ? lineEnd + 4 : buffer.indexOf(HEAD_END, lineEnd) + HEAD_END.length;
        if (end < HEAD_END.length || end > buffer.length) return closed ? failClosed() : undefined;
        return { statusCode, headers, body: Buffer.concat(chunks).toString('utf8'), keepAlive };
      }
      if (buffer.length < lineEnd + 2 + size + 2) return closed ? failClosed() : undefined;
      chunks.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  const length = headers['content-length'];
  if (length !== undefined) {
    const size = Number(length);
    if (!Number.isInteger(size) || size < 0) throw connectionError('malformed Content-Length', 'EPROTO');
    if (buffer.length < bodyStart + size) return closed ? failClosed() : undefined;
    return { statusCode, headers, body: buffer.toString('utf8', bodyStart, bodyStart + size), keepAlive };
  }
  // Neither: the body runs to the end of the connection, which then cannot be reused.
  return closed ? { statusCode, headers, body: buffer.toString('utf8', bodyStart), keepAlive: false } : undefined;
}

function failClosed(): never {
  throw connectionError('connection closed in the middle of the answer', 'ECONNRESET');
}

export class KeepAliveConnections {
  private readonly idle: Socket[] = [];
  /** The listeners that take an idle connection out of the pool, to remove when it is taken again. */
  private readonly idleListeners = new WeakMap<Socket, () => void>();
  private readonly secure: boolean;
  private readonly port: number;

  constructor(private readonly origin: URL) {
    this.secure = origin.protocol === 'https:';
    this.port = origin.port ? Number(origin.port) : this.secure ? 443 : 80;
  }

  /** Sends `head` (request line and headers, ending in an empty line) and `body`; one answer. */
  request(head: string, body: string, timeoutMs: number, timeoutError: () => Error): Promise<HttpAnswer> {
    const socket = this.take();
    return new Promise<HttpAnswer>((resolve, reject) => {
      let buffer: Buffer = EMPTY;
      let settled = false;
      const cleanUp = (): void => {
        settled = true;
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('close', onEnd);
        socket.off('error', onError);
      };
      const fail = (error: Error): void => {
        if (settled) return;
        cleanUp();
        socket.destroy();
        reject(error);
      };
      const settle = (closed: boolean): void => {
        let answer;
        try {
          answer = parseAnswer(buffer, closed);
        } catch (error) {
          fail(error as Error);
          return;
        }
        if (!answer || settled) return;
        cleanUp();
        const { keepAlive, ...rest } = answer;
        if (keepAlive && !closed) this.release(socket);
        else socket.destroy();
        resolve(rest);
      };
      const onData = (chunk: Buffer): void => {
        buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
        settle(false);
      };
      const onEnd = (): void => settle(true);
      const onError = (error: Error): void => fail(error);
      const timer = setTimeout(() => fail(timeoutError()), timeoutMs);
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
      socket.on('error', onError);
      socket.write(head + body);
    });
  }

  /** Closes every idle connection. */
  destroy(): void {
    for (const socket of this.idle.splice(0)) socket.destroy();
  }

  private take(): Socket {
    const socket = this.idle.pop();
    if (socket) {
      const forget = this.idleListeners.get(socket);
      if (forget) {
        socket.off('error', forget);
        socket.off('close', forget);
      }
      socket.ref();
      return socket;
    }
    const host = this.origin.hostname.replace(/^\[|\]$/g, '');
    const opened = this.secure ? tlsConnect({ host, port: this.port, servername: host, ALPNProtocols: ['http/1.1'] }) : netConnect({ host, port: this.port });
    // Requests are small and answered at once: send them without Nagle's delay.
    opened.setNoDelay(true);
    return opened;
  }

  private release(socket: Socket): void {
    // An idle connection that the server closes, or that fails, simply leaves the pool.
    const forget = (): void => {
      const at = this.idle.indexOf(socket);
      if (at >= 0) this.idle.splice(at, 1);
      socket.destroy();
    };
    this.idleListeners.set(socket, forget);
    socket.once('error', forget);
    socket.once('close', forget);
    // Idle connections do not keep the process alive (as node's keep-alive Agent).
    socket.unref();
    this.idle.push(socket);
  }
}
