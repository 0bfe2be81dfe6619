/**
 * One compiled JWT provider: its keys (static, imported once; remote, refreshed in the background), its claim
 * rules and its cache of verified tokens. `verify` answers with claims or one catalogue code.
 */
import { LRUCache } from 'lru-cache';
import type { ErrorCode } from '../../lib/errors.js';
import { isAlgorithm, type Algorithm } from './algorithms.js';
import { checkClaims, type ClaimRules } from './claims.js';
import type { DecodedToken } from './decode.js';
import type { KeySet, VerificationKey } from './key-set.js';
import { verifySignature } from './signature.js';
import type { RemoteKeys } from './remote-keys.js';
import type { TokenSourceSpec } from './provider-spec.js';

export type VerifyResult =
  | { ok: true; claims: Readonly<Record<string, unknown>>; cached: boolean }
  | { ok: false; code: ErrorCode; reason: string };

/** Thrown when no key can be had within the wait budget: internal trouble (`jwt.error`), not the client's fault. */
export class KeysUnavailableError extends Error {}

export interface CachedToken {
  claims: Readonly<Record<string, unknown>>;
  exp: number | undefined;
}

export interface JwtProviderParts {
  name: string;
  issuers: ReadonlySet<string> | undefined;
  algorithms: ReadonlySet<Algorithm>;
  rules: ClaimRules;
  principalClaim: string;
  tokenSources: readonly TokenSourceSpec[];
  staticKeys: KeySet;
  remote: readonly RemoteKeys[];
  keyWaitMs: number;
  cache: { maxEntries: number; maxTtlMs: number } | undefined;
  onCache?: (result: 'hit' | 'miss') => void;
}

export class JwtProvider {
  readonly name: string;
  readonly issuers: ReadonlySet<string> | undefined;
  readonly principalClaim: string;
  readonly tokenSources: readonly TokenSourceSpec[];
  readonly #p: JwtProviderParts;
  readonly #cache: LRUCache<string, CachedToken> | undefined;

  constructor(parts: JwtProviderParts) {
    this.#p = parts;
    this.name = parts.name;
    this.issuers = parts.issuers;
    this.principalClaim = parts.principalClaim;
    this.tokenSources = parts.tokenSources;
    if (parts.cache) this.#cache = new LRUCache<string, CachedToken>({ max: parts.cache.maxEntries, ttl: parts.cache.maxTtlMs, ttlAutopurge: false });
  }

  get hasCache(): boolean {
    return this.#cache !== undefined;
  }

  get remote(): readonly RemoteKeys[] {
    return this.#p.remote;
  }

  /** Whether this provider accepts tokens from `iss` (any issuer when none is configured). */
  acceptsIssuer(iss: unknown): boolean {
    return !this.issuers || (typeof iss === 'string' && this.issuers.has(iss));
  }

  /** A cached verification, still inside its time window at `nowSec`; undefined when absent. */
  cached(tokenHash: string, nowSec: number): CachedToken | undefined {
    if (!this.#cache) return undefined;
    const hit = this.#cache.get(tokenHash);
    if (!hit) return undefined;
    if (hit.exp !== undefined && nowSec >= hit.exp + this.#p.rules.skewSec) return undefined;
    return hit;
  }

  async verify(token: string, decoded: DecodedToken, tokenHash: string, nowSec: number): Promise<VerifyResult> {
    const { alg, kid } = decoded.header;
    if (!isAlgorithm(alg) || !this.#p.algorithms.has(alg)) {
      return { ok: false, code: 'jwt.bad_algorithm', reason: `alg ${typeof alg === 'string' ? JSON.stringify(alg.slice(0, 20)) : 'missing'} not accepted` };
    }
    if (kid !== undefined && typeof kid !== 'string') return { ok: false, code: 'jwt.malformed', reason: 'kid is not a string' };
    // Extensions (crit) and unencoded payloads (b64) are not supported: refusing them is what RFC 7515 asks.
    if (decoded.header.crit !== undefined || decoded.header.b64 !== undefined) return { ok: false, code: 'jwt.malformed', reason: 'crit or b64 header not supported' };
    const keys = await this.#keysFor(alg, kid);
    if (keys.length === 0) return { ok: false, code: 'jwt.unknown_key', reason: kid === undefined ? `no ${alg} key` : 'no key for the token kid' };
    const lastDot = token.lastIndexOf('.');
    const input = Buffer.from(token.slice(0, lastDot), 'latin1');
    const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
    let verified = false;
    for (const k of keys) {
      if (verifySignature(alg, input, signature, k.key)) {
        verified = true;
        break;
      }
    }
    if (!verified) return { ok: false, code: 'jwt.bad_signature', reason: 'signature does not verify' };
    const failure = checkClaims(decoded.claims, this.#p.rules, nowSec);
    if (failure) return { ok: false, ...failure };
    this.#remember(tokenHash, decoded.claims, nowSec);
    return { ok: true, claims: decoded.claims, cached: false };
  }

  #remember(tokenHash: string, claims: Readonly<Record<string, unknown>>, nowSec: number): void {
    if (!this.#cache) return;
    const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
    // The entry never outlives the token: it expires when the token does (skew included), or sooner.
    const ttl = exp === undefined ? this.#p.cache!.maxTtlMs : Math.min(this.#p.cache!.maxTtlMs, Math.floor((exp + this.#p.rules.skewSec - nowSec) * 1000));
    if (ttl <= 0) return;
    this.#cache.set(tokenHash, { claims: Object.freeze(claims), exp }, { ttl });
  }

  noteCache(result: 'hit' | 'miss'): void {
    this.#p.onCache?.(result);
  }

  async #keysFor(alg: Algorithm, kid: string | undefined): Promise<VerificationKey[]> {
    const found = this.#select(alg, kid);
    if (this.#p.remote.length === 0) return found;
    if (found.length > 0) {
      // Only kid-less keys matched (a JWKS without kids, or static keys): use them now, and let a refresh in
      // the background pick up a key that may carry this kid, without making this request wait.
      if (kid !== undefined && !found.some((k) => k.kid === kid)) for (const r of this.#p.remote) void r.refreshIfCool();
      return found;
    }
    // Unknown kid or no keys yet: one shared refresh per cool-down, waited for at most keyWait.
    const refreshes = this.#p.remote.map((r) => r.refreshIfCool());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(refreshes),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, this.#p.keyWaitMs); }),
    ]);
    clearTimeout(timer);
    const after = this.#select(alg, kid);
    if (after.length === 0 && this.#p.staticKeys.size === 0 && this.#p.remote.every((r) => r.keys === undefined)) {
      throw new KeysUnavailableError(`jwt provider ${this.name}: no signing keys available (${this.#p.remote.map((r) => r.readiness()).flat().join('; ')})`);
    }
    return after;
  }

  #select(alg: Algorithm, kid: string | undefined): VerificationKey[] {
    const out = this.#p.staticKeys.select(alg, kid);
    for (const r of this.#p.remote) {
      const set = r.keys;
      if (set) out.push(...set.select(alg, kid));
    }
    return out;
  }

  readiness(): string[] {
    return this.#p.remote.flatMap((r) => r.readiness());
  }

  dispose(): void {
    for (const r of this.#p.remote) r.dispose();
    this.#cache?.clear();
  }
}
