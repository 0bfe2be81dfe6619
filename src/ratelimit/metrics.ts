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
}

export function rateLimitMetrics(registry: Registry): RateLimitMetrics {
  return {
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
 * Counts decisions through pre-bound label children: resolving labels on every call costs more than the
 * counting, and the label values here are few and known.
 */
export function decisionCounter(metrics: RateLimitMetrics | undefined, source: 'rls' | 'check'): (domain: string, code: string) => void {
  if (!metrics) return () => {};
  const children = new Map<string, { inc(): void }>();
  return (domain, code) => {
    const key = `${domain}\u0000${code}`;
    let child = children.get(key);
    if (!child) {
      child = metrics.decisions.labels(source, domain, code);
      children.set(key, child);
    }
    child.inc();
  };
}
