/**
 * Clients' JWK Sets fetched from their jwks_uri: a short timeout, a size limit, no redirects, and a
 * cache (CIBA Core §7.2 leaves how; every JWT a client signs would otherwise cost a fetch).
 */
import type { PublicJwk } from '../../core/model.js';
import type { JwksSource } from '../../core/ports.js';

const TIMEOUT_MS = 3000;
const MAX_BYTES = 64 * 1024;
const CACHE_SECONDS = 300;

export class JwksFetchError extends Error {
  override readonly name = 'JwksFetchError';
}

async function readLimited(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BYTES) {
      await reader.cancel();
      throw new JwksFetchError(`the JWK Set is larger than ${MAX_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class FetchingJwksSource implements JwksSource {
  private readonly cache = new Map<string, { keys: readonly PublicJwk[]; until: number }>();

  async get(uri: string, options: { refresh?: boolean } = {}): Promise<{ keys: readonly PublicJwk[] }> {
    const cached = this.cache.get(uri);
    if (cached && !options.refresh && cached.until > Date.now()) return cached;
    let response: Response;
    try {
      response = await fetch(uri, { redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/json' } });
    } catch (error) {
      throw new JwksFetchError(`could not fetch the client's jwks_uri: ${(error as Error).message}`);
    }
    if (!response.ok) throw new JwksFetchError(`the client's jwks_uri answered ${response.status}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readLimited(response));
    } catch (error) {
      if (error instanceof JwksFetchError) throw error;
      throw new JwksFetchError("the client's jwks_uri did not return JSON");
    }
    const keys = (parsed as { keys?: unknown }).keys;
    if (!Array.isArray(keys)) throw new JwksFetchError("the client's jwks_uri did not return a JWK Set");
    // Private or symmetric members are dropped: only public keys verify client JWTs.
    const publicKeys = keys.filter(
      (key): key is PublicJwk => typeof key === 'object' && key !== null && typeof (key as PublicJwk).kty === 'string' && (key as PublicJwk).kty !== 'oct' && !('d' in key),
    );
    const entry = { keys: publicKeys, until: Date.now() + CACHE_SECONDS * 1000 };
    if (this.cache.size > 200) this.cache.clear();
    this.cache.set(uri, entry);
    return entry;
  }
}
