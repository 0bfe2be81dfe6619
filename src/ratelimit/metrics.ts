/**
 * Rate-limit metrics, get-or-create on the process registry so a recompiled policy reuses them. Labels are
 * bounded: store kind, a fixed set of reasons and codes, and domains or routes named by the policy (unknown
 * RLS domains are counted as `(unknown)`, never by the name a caller sent).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { metric } from '../lib/metrics.js';

export interface RateLimitMetrics {
  storeErrors: Counter<'store' | 'reason'>;
  breakerState: Gauge<'store'>;
  decisions: Counter<'source' | 'domain' | 'code'>;
  evictions: Counter;
  /** Decision counts not yet added to `decisions`: plain integers on the hot path, flushed at scrape time. */
  pending: Map<string, { labels: { source: string; domain: string; code: string }; n: number }>;
}

const bundles = new WeakMap<Registry, RateLimitMetrics>();

export function rateLimitMetrics(registry: Registry): RateLimitMetrics {
  let bundle = bundles.get(registry);
  if (!bundle) {
    bundle = createMetrics(registry);
    bundles.set(registry, bundle);
  }
  return bundle;
}

function createMetrics(registry: Registry): RateLimitMetrics {
  const pending: RateLimitMetrics['pending'] = new Map();
  return {
    pending,
    storeErrors: metric(registry, 'portcullis_ratelimit_store_errors_total', () => new Counter({
      name: 'portcullis_ratelimit_store_errors_total',
      help: 'Counter store calls that failed, by store and reason (timeout, error, breaker_open).',
      labelNames: ['store', 'reason'],
      registers: [registry],
    })),
    breakerState: metric(registry, 'portcullis_ratelimit_breaker_state', () => new Gauge({
      name: 'portcullis_ratelimit_breaker_state',
      help: 'Circuit breaker of the counter store: 0 closed, 1 half-open, 2 open.',
      labelNames: ['store'],
      registers: [registry],
    })),
    decisions: metric(registry, 'portcullis_ratelimit_decisions_total', () => new Counter({
      name: 'portcullis_ratelimit_decisions_total',
      help: 'Rate-limit decisions by source (rls, check), domain or route, and code (ok, over_limit, shadow_over_limit, degraded, unavailable, invalid).',
      labelNames: ['source', 'domain', 'code'],
      registers: [registry],
      collect() {
        for (const entry of pending.values()) {
          if (entry.n > 0) {
            this.inc(entry.labels, entry.n);
            entry.n = 0;
          }
        }
      },
    })),
    evictions: metric(registry, 'portcullis_ratelimit_memory_evictions_total', () => new Counter({
      name: 'portcullis_ratelimit_memory_evictions_total',
      help: 'Live counters evicted because the in-memory store reached maxKeys.',
      registers: [registry],
    })),
  };
}

export const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Counts decisions as plain integers, added to the Prometheus counter when it is scraped: resolving labels on
 * every call would cost more than the decision. The label values are few and known (policy names, codes).
 */
export function decisionCounter(metrics: RateLimitMetrics | undefined, source: 'rls' | 'check'): (domain: string, code: string) => void {
  if (!metrics) return () => {};
  const local = new Map<string, { n: number }>();
  return (domain, code) => {
    const key = `${domain}\u0000${code}`;
    let entry = local.get(key);
    if (!entry) {
      const id = `${source}\u0000${key}`;
      let shared = metrics.pending.get(id);
      if (!shared) {
        shared = { labels: { source, domain, code }, n: 0 };
        metrics.pending.set(id, shared);
      }
      entry = shared;
      local.set(key, entry);
    }
    entry.n++;
  };
}

/** A counter bound to fixed labels, for call sites that know them at compile time. */
export function boundDecisionCounter(metrics: RateLimitMetrics, source: 'rls' | 'check', domain: string, code: string): { n: number } {
  const id = `${source}\u0000${domain}\u0000${code}`;
  let shared = metrics.pending.get(id);
  if (!shared) {
    shared = { labels: { source, domain, code }, n: 0 };
    metrics.pending.set(id, shared);
  }
  return shared;
}
