/**
 * AWS Signature Version 4 (header form), with node:crypto only.
 *
 * The signature proves the request was made by the holder of the secret key, and binds the method, path,
 * query, the signed headers and the SHA-256 of the body to it, for one day, one region and one service.
 * General enough to reproduce AWS's published worked example (IAM ListUsers), which the unit test checks.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary credentials (a Lambda function's role) come with one; it travels as X-Amz-Security-Token. */
  readonly sessionToken?: string;
}

export interface RequestToSign {
  readonly method: string;
  /** The absolute path, already URI-encoded as sent ("/" for DynamoDB). */
  readonly path: string;
  /** The raw query string without "?", or empty. */
  readonly query?: string;
  /** Every header to sign, Host and X-Amz-Date included; names in any case. */
  readonly headers: Readonly<Record<string, string>>;
  /** Lowercase hex SHA-256 of the body. */
  readonly payloadHash: string;
}

export interface Signature {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signedHeaders: string;
  readonly signature: string;
  /** The Authorization header's value. */
  readonly authorization: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** YYYYMMDD'T'HHMMSS'Z', the form of X-Amz-Date. */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters percent-encoded. */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Parameters sorted by name then value, each name and value encoded once. */
function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      const name = at < 0 ? pair : pair.slice(0, at);
      const value = at < 0 ? '' : pair.slice(at + 1);
      return [encodeRfc3986(decodeURIComponent(name)), encodeRfc3986(decodeURIComponent(value))] as const;
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** The derived key: HMAC chain over the date, region, service and "aws4_request". Valid for that day only. */
export function signingKey(secretAccessKey: string, dateStamp: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secretAccessKey}`).update(dateStamp).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

/**
 * Signs for one region and service. Derives the signing key once per day (four HMACs) instead of per
 * request: a request then costs two SHA-256 and one HMAC.
 */
export class SignatureV4 {
  private cachedKey: { readonly dateStamp: string; readonly key: Buffer } | undefined;

  constructor(
    private readonly credentials: AwsCredentials,
    private readonly region: string,
    private readonly service: string,
  ) {}

  /** `request.headers` must already hold X-Amz-Date (the same instant as `amzDateTime`). */
  sign(request: RequestToSign, amzDateTime: string): Signature {
    const dateStamp = amzDateTime.slice(0, 8);
    const names: string[] = [];
    const values = new Map<string, string>();
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      names.push(lower);
      values.set(lower, value.trim().replace(/\s+/g, ' '));
    }
    names.sort();
    const signedHeaders = names.join(';');
    let canonicalHeaders = '';
    for (const name of names) canonicalHeaders += `${name}:${values.get(name)}\n`;
    const canonicalRequest = `${request.method}\n${request.path}\n${canonicalQuery(request.query ?? '')}\n${canonicalHeaders}\n${signedHeaders}\n${request.payloadHash}`;
    const scope = `${dateStamp}/${this.region}/${this.service}/aws4_request`;
    const stringToSign = `${ALGORITHM}\n${amzDateTime}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = createHmac('sha256', this.keyFor(dateStamp)).update(stringToSign).digest('hex');
    return {
      canonicalRequest,
      stringToSign,
      signedHeaders,
      signature,
      authorization: `${ALGORITHM} Credential=${this.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
  }

  private keyFor(dateStamp: string): Buffer {
    if (this.cachedKey?.dateStamp !== dateStamp) {
      this.cachedKey = { dateStamp, key: signingKey(this.credentials.secretAccessKey, dateStamp, this.region, this.service) };
    }
    return this.cachedKey.key;
  }
}
