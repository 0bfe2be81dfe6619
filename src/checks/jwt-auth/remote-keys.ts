/**
 * Keys fetched from a JWKS URL (or found through OpenID discovery), refreshed in the background. The last good
 * keys stay in use while the issuer is down; an unknown `kid` triggers at most one refresh per cool-down, so a
 * flood of made-up kids cannot hammer the issuer; concurrent callers share one fetch.
 */
import type { JWK } from 'jose';
import type { Logger } from 'pino';
import type { Algorithm } from './algorithms.js';
import { fetchJson } from './fetch-json.js';
import { importPublicJwk, KeySet, type VerificationKey } from './key-set.js';

export interface RemoteKeysOptions {
  /** Provider name, for logs and readiness. */
  provider: string;
  /** A JWKS URL, or undefined with `discoveryUrl` set. */
  jwksUrl?: string;
  /** The OpenID configuration URL; its `jwks_uri` gives the JWKS. */
  discoveryUrl?: string;
  /** With discovery: the issuer the configuration must name (OpenID Connect Discovery 1.0, section 4.3). */
  expectedIssuer?: string;
  algorithms: readonly Algorithm[];
  /** Refresh interval after a success. */
  intervalMs: number;
  /** Least time between two fetches triggered by unknown kids or missing keys. */
  cooldownMs: number;
  timeoutMs: number;
  maxBytes: number;
  logger: Logger;
  /** Called after every fetch attempt (metrics). */
  onFetch?: (result: 'ok' | 'error') => void;
}

export class RemoteKeys {
  #keys: KeySet | undefined;
  #jwksUri: string | undefined;
  #inflight: Promise<void> | undefined;
  #lastAttempt = -Infinity;
  #lastError: string | undefined;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #disposed = false;
  readonly #abort = new AbortController();

  constructor(private readonly opts: RemoteKeysOptions) {
    this.#jwksUri = opts.jwksUrl;
  }

  /** The keys of the last successful fetch, if any. */
  get keys(): KeySet | undefined {
    return this.#keys;
  }

  get source(): string {
    return this.opts.jwksUrl ?? this.opts.discoveryUrl ?? '';
  }

  /** Starts the first fetch and the refresh loop; resolves once the first attempt ended (or after `waitMs`). */
  async start(waitMs: number): Promise<void> {
    const first = this.refresh();
    await Promise.race([first, delay(waitMs)]);
  }

  /**
   * Fetches now unless a fetch ran less than a cool-down ago; concurrent callers share the fetch in flight.
   * Never rejects: failures are kept for readiness and logs.
   */
  refreshIfCool(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    if (performance.now() - this.#lastAttempt < this.opts.cooldownMs) return Promise.resolve();
    return this.refresh();
  }

  refresh(): Promise<void> {
    if (this.#disposed) return Promise.resolve();
    if (this.#inflight) return this.#inflight;
    this.#lastAttempt = performance.now();
    this.#inflight = this.#fetchOnce()
      .then((set) => {
        this.#keys = set;
        this.#lastError = undefined;
        this.#failures = 0;
        this.opts.onFetch?.('ok');
      })
      .catch((err: unknown) => {
        this.#failures++;
        this.#lastError = err instanceof Error ? err.message : String(err);
        this.opts.onFetch?.('error');
        if (!this.#disposed) {
          this.opts.logger.warn({ provider: this.opts.provider, source: this.source, err: this.#lastError, keptKeys: this.#keys?.size ?? 0 }, 'jwt key refresh failed');
        }
      })
      .finally(() => {
        this.#inflight = undefined;
        this.#schedule();
      });
    return this.#inflight;
  }

  #schedule(): void {
    if (this.#disposed) return;
    if (this.#timer) clearTimeout(this.#timer);
    // After failures, retry sooner than the interval, backing off from the cool-down.
    const wait = this.#failures === 0 ? this.opts.intervalMs : Math.min(this.opts.intervalMs, this.opts.cooldownMs * 2 ** Math.min(this.#failures - 1, 10));
    this.#timer = setTimeout(() => void this.refresh(), Math.max(wait, 10));
    this.#timer.unref();
  }

  async #fetchOnce(): Promise<KeySet> {
    const fetchOpts = { timeoutMs: this.opts.timeoutMs, maxBytes: this.opts.maxBytes, signal: this.#abort.signal };
    if (this.opts.discoveryUrl && (!this.#jwksUri || this.#failures > 0)) {
      const doc = await fetchJson(this.opts.discoveryUrl, fetchOpts).catch((err: Error) => {
        throw new Error(`discovery ${this.opts.discoveryUrl}: ${err.message}`);
      });
      const d = doc as { issuer?: unknown; jwks_uri?: unknown } | null;
      if (!d || typeof d !== 'object' || typeof d.jwks_uri !== 'string' || !/^https?:\/\//.test(d.jwks_uri)) {
        throw new Error(`discovery ${this.opts.discoveryUrl}: no valid jwks_uri`);
      }
      if (this.opts.expectedIssuer !== undefined && d.issuer !== this.opts.expectedIssuer) {
        throw new Error(`discovery ${this.opts.discoveryUrl}: issuer ${JSON.stringify(d.issuer)} is not ${this.opts.expectedIssuer}`);
      }
      this.#jwksUri = d.jwks_uri;
    }
    const url = this.#jwksUri!;
    const body = await fetchJson(url, fetchOpts).catch((err: Error) => {
      throw new Error(`jwks ${url}: ${err.message}`);
    });
    const list = (body as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(list)) throw new Error(`jwks ${url}: no "keys" array`);
    const keys: VerificationKey[] = [];
    let skipped = 0;
    for (const jwk of list.slice(0, 100)) {
      if (!jwk || typeof jwk !== 'object' || jwk.kty === 'oct') { skipped++; continue; }
      try {
        keys.push(...importPublicJwk(jwk as JWK, this.opts.algorithms));
      } catch {
        skipped++;
      }
    }
    if (keys.length === 0) throw new Error(`jwks ${url}: no usable signing key for ${this.opts.algorithms.join(', ')}${skipped ? ` (${skipped} skipped)` : ''}`);
    return new KeySet(keys);
  }

  /** Readiness reasons: none once keys are in hand (stale keys still serve). */
  readiness(): string[] {
    if (this.#keys) return [];
    return [`jwt provider ${this.opts.provider}: keys not yet fetched from ${this.source}${this.#lastError ? ` (${this.#lastError})` : ''}`];
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#abort.abort();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref?.();
  });
}
