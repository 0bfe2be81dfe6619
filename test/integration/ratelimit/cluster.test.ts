/**
 * A real three-node Redis Cluster (private redis-servers): the hash tags keep each batch on one slot, so
 * multi-descriptor and multi-window requests run as one script without CROSSSLOT errors, and limits are exact.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitCheck } from '../../../src/checks/rate-limit/index.js';
import type { RedisStore } from '../../../src/ratelimit/redis-store.js';
import { compileRateLimit, type RateLimitResource } from '../../../src/ratelimit/section.js';
import { makeCheckDeps, makeContext, makeDeps, makeRequest } from '../../helpers/request.js';
import { freePort, startRedis, stopProcess } from './redis-helpers.js';

const run = promisify(execFile);
const nodes: ChildProcess[] = [];
const ports: number[] = [];
let resource: RateLimitResource;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-cluster-'));
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    ports.push(port);
    nodes.push(await startRedis(port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`], dir));
  }
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 20_000 });
  const probe = new Redis(ports[0]!, '127.0.0.1');
  for (let i = 0; i < 100 && !(await probe.cluster('INFO')).includes('cluster_state:ok'); i++) await new Promise((r) => setTimeout(r, 100));
  probe.disconnect();
  resource = compileRateLimit(
    {
      store: { redis: { cluster: ports.map((p) => `127.0.0.1:${p}`), timeout: 1000, keyPrefix: 'c:' } },
      domains: [{ domain: 'edge', descriptors: [
        { key: 'remote_address', rate_limit: { unit: 'minute', requests_per_unit: 20 } },
        { key: 'path', algorithm: 'sliding-window', rate_limit: { unit: 'hour', requests_per_unit: 1000 } },
        { key: 'user', algorithm: 'gcra', rate_limit: { unit: 'second', requests_per_unit: 1000 } },
      ] }],
    },
    makeDeps({ live: true }),
  );
  await (resource.store as RedisStore).ready(10_000);
}, 60_000);

afterAll(async () => {
  await resource?.dispose();
  await Promise.all(nodes.map(stopProcess));
});

describe('Redis Cluster', () => {
  it('multi-descriptor requests are one script on one slot, and exact under concurrency', async () => {
    const req = { domain: 'edge', hitsAddend: 0, descriptors: [
      { entries: [{ key: 'remote_address', value: '10.9.9.9' }] },
      { entries: [{ key: 'path', value: '/a' }] },
      { entries: [{ key: 'user', value: 'u' }] },
    ] };
    const results = await Promise.all(Array.from({ length: 50 }, () => resource.shouldRateLimit(req)));
    expect(results.every((r) => r.kind === 'response' && !r.info?.degraded)).toBe(true);
    expect(results.filter((r) => r.kind === 'response' && r.overallCode === 'OK')).toHaveLength(20);
  });

  it('per-route counters of different clients spread over the nodes', async () => {
    const deps = makeCheckDeps({ shared: { ratelimit: resource }, route: { name: 'users' } });
    const check = await rateLimitCheck.compile({ limits: { second: 100, minute: 1000, hour: 5000 }, by: 'ip' }, deps);
    for (let i = 0; i < 30; i++) {
      const ctx = makeContext();
      expect((await check.run(makeRequest({ peer: `198.51.100.${i}` }), ctx)).pass).toBe(true);
      expect(ctx.degraded).toEqual([]);
    }
    const perNode = await Promise.all(ports.map(async (p) => {
      const r = new Redis(p, '127.0.0.1');
      const n = (await r.keys('c:{route:users:*')).length;
      r.disconnect();
      return n;
    }));
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(90);
    expect(perNode.filter((n) => n > 0).length).toBeGreaterThan(1);
  });
});
