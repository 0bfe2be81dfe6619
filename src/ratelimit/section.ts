/**
 * The `ratelimit` policy section: one counter store (memory or Redis) behind one limiter, the RLS domains,
 * and the fail mode. Its resource serves ShouldRateLimit, the `rate-limit` check, the counters API and
 * readiness. Absent from the policy, it still compiles to an in-memory store so per-route limits work.
 *
 * Stores outlive a reload: a recompiled policy with the same store settings reuses the running store (counters
 * survive, the Redis connection is kept); it is closed when the last policy using it is disposed.
 */
import type { Registry } from 'prom-client';
import { PolicyError, type CompileDeps, type JsonSchema, type PolicySection, type SecretRef } from '../config/types.js';
import { durationSchema, parseDuration } from '../lib/units.js';
import { ALGORITHMS, type Algorithm } from './algorithms.js';
import { loadDomains, type CompiledDomain, type FailMode } from './domain-config.js';
import { rlsCounterKey, rlsTag, routeCounterKey, routeTag } from './keys.js';
import { Limiter } from './limiter.js';
import { MemoryStore } from './memory-store.js';
import { rateLimitMetrics, type RateLimitMetrics } from './metrics.js';
import { RedisStore } from './redis-store.js';
import { createShouldRateLimit } from './rls.js';
import type { RlsRequest, RlsResult } from './rls-types.js';
import type { CounterReading, CounterStore } from './store.js';
import { UNIT_SECONDS } from './units.js';

export interface RedisStoreSpec {
  url?: string;
  /** Redis Cluster seed nodes instead of `url`. */
  cluster?: string[];
  timeout?: string | number;
  connectTimeout?: string | number;
  keyPrefix?: string;
  username?: string;
  password?: SecretRef;
  db?: number;
  tls?: boolean;
}

export interface RateLimitSectionSpec {
  store?: 'memory' | { memory: { maxKeys?: number } } | { redis: RedisStoreSpec };
  failMode?: FailMode;
  algorithm?: Algorithm;
  breaker?: { failures?: number; cooldown?: string | number };
  domains?: unknown[];
  responseHeaders?: boolean;
}

/** Which counters a counters API call is about. */
export type CounterQuery =
  | { domain: string; entries: Array<{ key: string; value: string }> }
  | { route: string; by: string; value: string };

export interface CounterReport {
  store: 'memory' | 'redis';
  key: string;
  counters: Array<{ algorithm: string; window: string; count: number; resetSeconds: number }>;
}

export interface RateLimitResource {
  readonly store: CounterStore;
  readonly limiter: Limiter;
  readonly failMode: FailMode;
  readonly algorithm: Algorithm;
  readonly domains: ReadonlyMap<string, CompiledDomain>;
  /** True when any RLS limit fails closed: the Envoy rendering then sets `failure_mode_deny: true`. */
  readonly anyClosed: boolean;
  readonly metrics: RateLimitMetrics;
  shouldRateLimit(req: RlsRequest): Promise<RlsResult>;
  /** RLS domains with a descriptor whose value names this route (for the limited-twice warning). */
  domainsNamingRoute(route: string): string[];
  readCounters(q: CounterQuery): Promise<CounterReport>;
  resetCounters(q: CounterQuery): Promise<{ key: string; removed: number }>;
  readiness(): string[];
  dispose(): Promise<void>;
}

const failModeSchema = { enum: ['open', 'closed'] };

export const rateLimitSectionSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    store: {
      anyOf: [
        { const: 'memory' },
        {
          type: 'object', additionalProperties: false, required: ['memory'],
          properties: { memory: { type: 'object', additionalProperties: false, properties: { maxKeys: { type: 'integer', minimum: 1 } } } },
        },
        {
          type: 'object', additionalProperties: false, required: ['redis'],
          properties: {
            redis: {
              type: 'object', additionalProperties: false,
              oneOf: [{ required: ['url'] }, { required: ['cluster'] }],
              properties: {
                url: { type: 'string', pattern: '^rediss?://' },
                cluster: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
                timeout: durationSchema,
                connectTimeout: durationSchema,
                keyPrefix: { type: 'string', maxLength: 128 },
                username: { type: 'string' },
                password: {
                  anyOf: [
                    { type: 'string' },
                    { type: 'object', additionalProperties: false, required: ['env'], properties: { env: { type: 'string', minLength: 1 } } },
                    { type: 'object', additionalProperties: false, required: ['file'], properties: { file: { type: 'string', minLength: 1 } } },
                  ],
                },
                db: { type: 'integer', minimum: 0, maximum: 15 },
                tls: { type: 'boolean' },
              },
            },
          },
        },
      ],
    },
    failMode: failModeSchema,
    algorithm: { enum: [...ALGORITHMS] },
    breaker: {
      type: 'object', additionalProperties: false,
      properties: { failures: { type: 'integer', minimum: 1, maximum: 1000 }, cooldown: durationSchema },
    },
    // Each entry is an envoyproxy/ratelimit domain config or { file } / { dir }; validated by domain-config.ts
    // with key paths, since the format is recursive.
    domains: { type: 'array', items: { type: 'object' } },
    responseHeaders: { type: 'boolean' },
  },
};

// --- store pool: one running store per registry and settings, shared by the policies that use it ----------

interface Pooled {
  store: CounterStore;
  refs: number;
}
const pools = new WeakMap<Registry, Map<string, Pooled>>();

function acquireStore(registry: Registry, id: string, create: () => CounterStore): { store: CounterStore; release: () => Promise<void> } {
  let pool = pools.get(registry);
  if (!pool) {
    pool = new Map();
    pools.set(registry, pool);
  }
  let entry = pool.get(id);
  if (!entry) {
    entry = { store: create(), refs: 0 };
    pool.set(id, entry);
  }
  entry.refs++;
  const held = entry;
  let released = false;
  return {
    store: held.store,
    release: async () => {
      if (released) return;
      released = true;
      held.refs--;
      if (held.refs === 0) {
        if (pool!.get(id) === held) pool!.delete(id);
        await held.store.close();
      }
    },
  };
}

export interface ResourceOptions {
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
}

export function compileRateLimit(spec: RateLimitSectionSpec | undefined, deps: CompileDeps, options: ResourceOptions = {}): RateLimitResource {
  const s = spec ?? {};
  const failMode: FailMode = s.failMode ?? 'open';
  const algorithm: Algorithm = s.algorithm ?? 'fixed-window';
  const metrics = rateLimitMetrics(deps.metrics);
  const live = deps.options.live;
  const clock = options.clock ?? Date.now;

  // Domains first: a config error must not leave a connection behind.
  const domains = loadDomains(s.domains ?? [], 'ratelimit.domains', { failMode, algorithm }, (p) => deps.resolvePath(p));
  const anyClosed = [...domains.values()].some((d) => d.anyClosed);

  let timeoutMs = 15;
  let acquired: { store: CounterStore; release: () => Promise<void> };
  const storeSpec = s.store ?? 'memory';
  if (typeof storeSpec === 'object' && 'redis' in storeSpec) {
    const r = storeSpec.redis;
    timeoutMs = r.timeout === undefined ? 15 : parseDuration(r.timeout);
    if (!(timeoutMs > 0)) throw new PolicyError('ratelimit.store.redis.timeout', 'must be more than 0');
    if (timeoutMs >= 20) deps.warn('ratelimit.store.redis.timeout', `${timeoutMs} ms reaches Envoy's default 20 ms ratelimit timeout: set envoy timeouts.rateLimit above it`);
    const password = r.password === undefined ? undefined : deps.resolveSecret(r.password, 'ratelimit.store.redis.password');
    if ((r.url === undefined) === (r.cluster === undefined)) throw new PolicyError('ratelimit.store.redis', 'set url (one server) or cluster (seed nodes), not both');
    const opts = {
      ...(r.url !== undefined ? { url: r.url } : {}),
      ...(r.cluster !== undefined ? { cluster: r.cluster } : {}),
      keyPrefix: r.keyPrefix ?? 'portcullis:',
      timeoutMs,
      connectTimeoutMs: r.connectTimeout === undefined ? 1000 : parseDuration(r.connectTimeout),
      live,
      ...(password !== undefined ? { password } : {}),
      ...(r.username !== undefined ? { username: r.username } : {}),
      ...(r.db !== undefined ? { db: r.db } : {}),
      ...(r.tls ? { tls: true } : {}),
    };
    // The id carries no secret in clear: only whether a password is set.
    const id = JSON.stringify(['redis', r.url ?? r.cluster, opts.keyPrefix, opts.timeoutMs, opts.db ?? 0, opts.username ?? '', password === undefined ? '' : 'pw', opts.tls ?? false, live]);
    acquired = acquireStore(deps.metrics, id, () => new RedisStore(opts));
  } else {
    const maxKeys = typeof storeSpec === 'object' && 'memory' in storeSpec ? storeSpec.memory.maxKeys : undefined;
    acquired = acquireStore(deps.metrics, JSON.stringify(['memory', maxKeys ?? 0, live]), () => {
      const m = new MemoryStore({ maxKeys, live, onEvict: (n) => metrics.evictions.inc(n) });
      m.now = clock;
      return m;
    });
  }
  const store = acquired.store;
  const limiter = new Limiter(store, {
    timeoutMs,
    breaker: { failures: s.breaker?.failures ?? 5, cooldownMs: s.breaker?.cooldown === undefined ? 1000 : parseDuration(s.breaker.cooldown) },
    metrics,
    clock,
  });
  const shouldRateLimit = createShouldRateLimit({ domains, limiter, failMode, responseHeaders: s.responseHeaders ?? false, metrics });

  const identify = (q: CounterQuery): { key: string; tag: string } => {
    if ('domain' in q) return { key: rlsCounterKey(q.domain, q.entries), tag: rlsTag(q.domain) };
    return { key: routeCounterKey(q.route, q.by, q.value), tag: routeTag(q.route, q.value) };
  };
  const unitName = (windowMs: number): string =>
    Object.entries(UNIT_SECONDS).find(([, sec]) => sec * 1000 === windowMs)?.[0] ?? `${windowMs}ms`;

  return {
    store,
    limiter,
    failMode,
    algorithm,
    domains,
    anyClosed,
    metrics,
    shouldRateLimit,
    domainsNamingRoute(route: string): string[] {
      const hits: string[] = [];
      for (const d of domains.values()) {
        if (d.limits.some((l) => l.fullKey.split('.').some((part) => part.endsWith(`_${route}`)))) hits.push(d.name);
      }
      return hits;
    },
    async readCounters(q: CounterQuery): Promise<CounterReport> {
      const { key, tag } = identify(q);
      const readings: CounterReading[] = await store.read(key, tag, clock());
      return {
        store: store.kind,
        key,
        counters: readings.map((r) => ({ algorithm: r.algorithm, window: unitName(r.windowMs), count: r.count, resetSeconds: Math.ceil(r.resetMs / 1000) })),
      };
    },
    async resetCounters(q: CounterQuery) {
      const { key, tag } = identify(q);
      return { key, removed: await store.reset(key, tag, clock()) };
    },
    readiness(): string[] {
      const reasons = [...store.readiness()];
      if (limiter.breakerState === 'open') reasons.push(`ratelimit: ${store.kind} store circuit breaker open`);
      return reasons;
    },
    dispose: () => acquired.release(),
  };
}

export const rateLimitSection: PolicySection<RateLimitSectionSpec, RateLimitResource> = {
  key: 'ratelimit',
  schema: rateLimitSectionSchema,
  compile: (spec, deps) => compileRateLimit(spec, deps),
  dispose: (resource) => resource.dispose(),
  readiness: (resource) => resource.readiness(),
};
