/**
 * RateLimitService/ShouldRateLimit: the memory store (target: at least 0.85 of the no-op RLS baseline) and
 * Redis on 127.0.0.1:6379 (throughput and p99; `node dist/test/bench/redis-round-trips.js` shows the one round
 * trip per request). Requests carry two descriptors, like an edge guard per client address plus a per-path limit,
 * spread over 256 clients; limits are high, so counting, not denying, is measured.
 */
import type { BenchScenario } from '../scenario.js';

const domains = `  domains:
    - domain: edge
      descriptors:
        - key: remote_address
          rate_limit: { unit: second, requests_per_unit: 1000000 }
        - key: path
          value: /api/*
          rate_limit: { unit: minute, requests_per_unit: 100000000 }
        - key: path
          rate_limit: { unit: hour, requests_per_unit: 100000000 }
`;

const policy = (store: string) => `server: { grpc: 127.0.0.1:0, admin: 127.0.0.1:0, httpAuthz: false }
decisions: { stdout: false, sqlite: false }
ratelimit:
  store: ${store}
  failMode: open
${domains}default: { action: deny, status: 404 }
routes: []
`;

const request = (i: number): object => ({
  domain: 'edge',
  descriptors: [
    { entries: [{ key: 'remote_address', value: `203.0.113.${i % 256}` }] },
    { entries: [{ key: 'path', value: `/api/items/${i % 16}` }] },
  ],
  hits_addend: 0,
});

export const scenarios: BenchScenario[] = [
  { name: 'rls-memory', target: 'rls', policy: policy('memory'), request, targets: { minThroughputRatio: 0.85 } },
  {
    name: 'rls-redis',
    target: 'rls',
    policy: policy(`{ redis: { url: "redis://127.0.0.1:6379", keyPrefix: "portcullis-bench:", timeout: 15ms } }`),
    request,
  },
];
