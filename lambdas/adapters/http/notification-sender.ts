/**
 * POSTs ping and push notifications to clients' backchannel_client_notification_endpoint (CIBA Core
 * §10.2, §10.3) without letting a client aim the provider at its own network (SSRF).
 *
 * The host is resolved once, every address is checked against the address policy, and the connection
 * is made to a checked address through a `lookup` that returns only those: there is no second DNS
 * lookup for a rebinding name server to answer differently. Host header, TLS SNI and certificate
 * check keep the URL's hostname, against the system CA store. Redirects are answers, never followed.
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { forbiddenReason } from '../../core/notification/address-policy.js';
import type { NotificationResult, NotificationSender, OutgoingNotification } from '../../core/ports.js';

// CIBA Core §7.1: the client_notification_token has the syntax of an RFC 6750 §2.1 b64token.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Enough of an error page to let the endpoint finish writing; the rest is not worth reading. */
const MAX_RESPONSE_BYTES = 16 * 1024;

export type Resolve = (hostname: string) => Promise<readonly string[]>;

export interface SafeNotificationSenderOptions {
  /** One deadline for resolving, connecting and the response, in milliseconds. Default 5000. */
  readonly timeoutMs?: number;
  /** The local runner's clients listen on loopback; a deployment never allows it. */
  readonly allowLoopback: boolean;
  /** Plain http endpoints: the local runner only (config allowHttpClientUrls). */
  readonly allowHttp: boolean;
  /** The hostname's addresses; tests inject one. Default: the system resolver, every address. */
  readonly resolve?: Resolve;
}

/** An endpoint that passed every check, with the only addresses the connection may use. */
interface VettedEndpoint {
  readonly kind: 'vetted';
  readonly url: URL;
  /** The hostname without IPv6 brackets: the Host header, the SNI and the certificate name. */
  readonly host: string;
  readonly addresses: readonly [LookupAddress, ...LookupAddress[]];
}

type Vetting =
  | VettedEndpoint
  /** The URL or an address is not allowed: retrying will not help. */
  | { readonly kind: 'forbidden'; readonly reason: string }
  /** The name did not resolve (in time): perhaps it will later. */
  | { readonly kind: 'unresolved'; readonly reason: string };

async function systemResolve(hostname: string): Promise<string[]> {
  const answers = await lookup(hostname, { all: true, order: 'verbatim' });
  return answers.map((answer) => answer.address);
}

/** A short, log-friendly reason: the error code (ECONNREFUSED, CERT_HAS_EXPIRED ...) when there is one. */
function errorReason(error: unknown): string {
  // AbortSignal.timeout() aborts with a DOMException named TimeoutError.
  if ((error as Error | undefined)?.name === 'TimeoutError') return 'timeout';
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}

/** The promise, or the deadline's reason: getaddrinfo cannot be cancelled, only stopped waiting for. */
function beforeDeadline<T>(promise: Promise<T>, deadline: AbortSignal): Promise<T> {
  if (deadline.aborted) return Promise.reject(deadline.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const abandon = () => reject(deadline.reason as Error);
    deadline.addEventListener('abort', abandon, { once: true });
    void promise.then(resolve, reject).finally(() => deadline.removeEventListener('abort', abandon));
  });
}

/** Why the URL itself may not be used, before any address is looked at. */
function urlRefusal(url: URL, allowHttp: boolean): string | undefined {
  const schemeAllowed = url.protocol === 'https:' || (allowHttp && url.protocol === 'http:');
  if (!schemeAllowed) return `the notification endpoint must use https, not ${url.protocol.slice(0, -1)}`;
  // RFC 9110 §4.2.4: a sender must not generate userinfo in an http(s) URI; credentials go in the token.
  if (url.username || url.password) return 'the notification endpoint must not contain userinfo';
  return undefined;
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** A `lookup` for the request that answers with the vetted addresses, whatever it is asked. */
function vettedLookup(addresses: VettedEndpoint['addresses']): LookupFunction {
  return (_hostname, options, callback) => {
    // net asks for every address when it races IPv6 and IPv4 (autoSelectFamily, RFC 8305), else for one.
    if (options.all) callback(null, [...addresses]);
    else callback(null, addresses[0].address, addresses[0].family);
  };
}

function startRequest(endpoint: VettedEndpoint, notification: OutgoingNotification, deadline: AbortSignal): ClientRequest {
  const { url, host, addresses } = endpoint;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return request({
    method: 'POST',
    hostname: host,
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${notification.bearerToken}`,
      'Content-Length': Buffer.byteLength(notification.body),
    },
    lookup: vettedLookup(addresses),
    // RFC 6066 §3: SNI carries host names only, never an address literal.
    servername: isIP(host) ? undefined : host,
    // A fresh connection each time: a pooled socket would be keyed by hostname, not by vetted address.
    agent: false,
    signal: deadline,
  });
}

/** Reads and drops at most MAX_RESPONSE_BYTES of the body, then calls `done` once it has ended or failed. */
function readSome(response: IncomingMessage, done: () => void): void {
  let read = 0;
  response.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read >= MAX_RESPONSE_BYTES) done();
  });
  for (const event of ['end', 'close', 'error']) response.on(event, done);
}

/** Sends the notification and waits for the status; reads a little of the body, then hangs up. */
function post(endpoint: VettedEndpoint, notification: OutgoingNotification, deadline: AbortSignal): Promise<NotificationResult> {
  return new Promise((resolve) => {
    const request = startRequest(endpoint, notification, deadline);
    // Once the endpoint has answered, the answer stands, whatever happens to the rest of the body.
    let answer: NotificationResult | undefined;
    const settle = (result: NotificationResult) => {
      resolve(result);
      request.destroy();
    };
    request.on('error', (error) => settle(answer ?? { kind: 'networkError', reason: deadline.aborted ? 'timeout' : errorReason(error) }));
    request.on('response', (response: IncomingMessage) => {
      const answered: NotificationResult = { kind: 'response', status: response.statusCode ?? 0 };
      answer = answered;
      readSome(response, () => settle(answered));
    });
    request.end(notification.body);
  });
}

export class SafeNotificationSender implements NotificationSender {
  private readonly timeoutMs: number;
  private readonly allowLoopback: boolean;
  private readonly allowHttp: boolean;
  private readonly resolve: Resolve;

  constructor(options: SafeNotificationSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive whole number, got ${this.timeoutMs}`);
    this.allowLoopback = options.allowLoopback;
    this.allowHttp = options.allowHttp;
    this.resolve = options.resolve ?? systemResolve;
  }

  async check(url: string): Promise<string | undefined> {
    const vetting = await this.vet(url, AbortSignal.timeout(this.timeoutMs));
    return vetting.kind === 'vetted' ? undefined : vetting.reason;
  }

  /** Rejects (a TypeError) only for a bearer token that is no b64token: the backchannel endpoint lets none in. */
  async send(notification: OutgoingNotification): Promise<NotificationResult> {
    if (!B64TOKEN.test(notification.bearerToken)) throw new TypeError('the client_notification_token is not an RFC 6750 b64token');
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const vetting = await this.vet(notification.url, deadline);
    if (vetting.kind === 'forbidden') return { kind: 'forbidden', reason: vetting.reason };
    if (vetting.kind === 'unresolved') return { kind: 'networkError', reason: vetting.reason };
    return post(vetting, notification, deadline);
  }

  /** Parses the URL, resolves its host once and checks every address: one forbidden address refuses all. */
  private async vet(raw: string, deadline: AbortSignal): Promise<Vetting> {
    const url = parseUrl(raw);
    if (!url) return { kind: 'forbidden', reason: 'the notification endpoint is not a URL' };
    const refusal = urlRefusal(url, this.allowHttp);
    if (refusal !== undefined) return { kind: 'forbidden', reason: refusal };
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const literal = isIP(host) !== 0;
    let addresses: readonly string[];
    try {
      addresses = literal ? [host] : await beforeDeadline(this.resolve(host), deadline);
    } catch (error) {
      return { kind: 'unresolved', reason: `could not resolve ${host}: ${errorReason(error)}` };
    }
    const [first, ...rest] = addresses.map((address) => ({ address, family: isIP(address) }));
    if (!first) return { kind: 'unresolved', reason: `could not resolve ${host}: no addresses` };
    const reason = this.anyForbidden(addresses);
    // The resolved address stays out of the reason: it may reveal the provider's internal network.
    if (reason !== undefined) return { kind: 'forbidden', reason: `${host} ${literal ? 'is' : 'resolves to'} ${reason}` };
    return { kind: 'vetted', url, host, addresses: [first, ...rest] };
  }

  /** Why one of the addresses is forbidden: a name with one internal address is an internal name. */
  private anyForbidden(addresses: readonly string[]): string | undefined {
    for (const address of addresses) {
      const reason = forbiddenReason(address, { allowLoopback: this.allowLoopback });
      if (reason !== undefined) return reason;
    }
    return undefined;
  }
}
