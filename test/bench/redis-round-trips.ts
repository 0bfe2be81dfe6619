/**
 * `node dist/test/bench/redis-round-trips.js [--requests N] [--concurrency C] [--timeout MS] [--url redis://...]`
 *
 * ShouldRateLimit against Redis, in process: throughput, p50/p99 latency, and Redis `INFO commandstats` before
 * and after, to show one round trip (one EVALSHA) per request whatever the number of descriptors. Starts its
 * own redis-server on a free port (so no other traffic pollutes the counts) unless --url is given.
 */
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { silentLogger } from '../../src/lib/logger.js';
import type { RedisStore } from '../../src/ratelimit/redis-store.js';
import type { RlsRequest } from '../../src/ratelimit/rls-types.js';
import { compileRateLimit } from '../../src/ratelimit/section.js';
import { freePort, startRedis, stopProcess } from '../integration/ratelimit/redis-helpers.js';

const { values } = parseArgs({ options: { requests: { type: 'string' }, concurrency: { type: 'string' }, url: { type: 'string' }, timeout: { type: 'string' } } });
const total = Number(values.requests ?? 20_000);
const concurrency = Number(values.concurrency ?? 32);

let server: ChildProcess | undefined;
let url = values.url;
if (!url) {
  const port = await freePort();
  server = await startRedis(port);
  url = `redis://127.0.0.1:${port}`;
}

const resource = compileRateLimit(
  {
    store: { redis: { url, keyPrefix: 'portcullis-bench:', timeout: Number(values.timeout ?? 15) } },
    domains: [{
      domain: 'edge',
      descriptors: [
        { key: 'remote_address', rate_limit: { unit: 'second', requests_per_unit: 1_000_000 } },
        { key: 'path', rate_limit: { unit: 'minute', requests_per_unit: 100_000_000 } },
        { key: 'user', algorithm: 'sliding-window', rate_limit: { unit: 'hour', requests_per_unit: 100_000_000 } },
      ],
    }],
  },
  {
    policyFile: 'bench.yaml', policyDir: '.', resolvePath: (p) => p, resolveSecret: () => '', warn: () => {},
    logger: silentLogger(), metrics: new Registry(), shared: {}, options: { live: true },
  },
);
await (resource.store as RedisStore).ready();

const request = (i: number): RlsRequest => ({
  domain: 'edge',
  hitsAddend: 0,
  descriptors: [
    { entries: [{ key: 'remote_address', value: `203.0.113.${i % 256}` }] },
    { entries: [{ key: 'path', value: `/api/items/${i % 16}` }] },
    { entries: [{ key: 'user', value: `user-${i % 1000}` }] },
  ],
});

async function commandstats(): Promise<Record<string, number>> {
  const r = new Redis(url!);
  const text = await r.info('commandstats');
  await r.quit();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

for (let i = 0; i < 500; i++) await resource.shouldRateLimit(request(i));
const before = await commandstats();
const latencies: number[] = [];
let degraded = 0;
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const t = performance.now();
      const r = await resource.shouldRateLimit(request(i));
      latencies.push(performance.now() - t);
      if (r.kind !== 'response' || r.info?.degraded) degraded++;
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
const after = await commandstats();
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(2);

const delta = Object.entries(after)
  .map(([cmd, calls]) => [cmd, calls - (before[cmd] ?? 0)] as const)
  .filter(([cmd, d]) => d > 0 && cmd !== 'info');
const lines = [
  `ShouldRateLimit over Redis (${url!.replace(/\/\/[^@]*@/, '//')}), 3 descriptors per request, ${total} requests, ${concurrency} in flight`,
  `  throughput ${(total / seconds).toFixed(0)} req/s; latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms; degraded answers ${degraded}`,
  `  INFO commandstats, calls during the run (commands a script runs inside Redis are listed too, not round trips):`,
  ...delta.map(([cmd, d]) => `    ${cmd.padEnd(10)} ${String(d).padStart(8)}   ${(d / total).toFixed(2)} per request`),
];
process.stdout.write(`${lines.join('\n')}\n`);
await resource.dispose();
if (server) await stopProcess(server);
