/**
 * The memory store and the real Redis on 127.0.0.1:6379 alike: same answers for the same sequences, exact
 * limits under concurrency, one round trip per request, roll-over, and one global limit across two processes.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitCheck } from '../../../src/checks/rate-limit/index.js';
import type { Algorithm, LimitOp } from '../../../src/ratelimit/algorithms.js';
import { MemoryStore } from '../../../src/ratelimit/memory-store.js';
import { RedisStore } from '../../../src/ratelimit/redis-store.js';
import { compileRateLimit, type RateLimitResource } from '../../../src/ratelimit/section.js';
import type { RlsRequest } from '../../../src/ratelimit/rls-types.js';
import { makeCheckDeps, makeContext, makeDeps, makeRequest } from '../../helpers/request.js';
import { bundle, cleanupPrefix, here, SHARED_REDIS, uniquePrefix } from './redis-helpers.js';

const prefix = uniquePrefix('stores');
const resources: RateLimitResource[] = [];

afterAll(async () => {
  await Promise.all(resources.map((r) => r.dispose()));
  await cleanupPrefix(prefix);
});

type StoreKind = 'memory' | 'redis';

async function resource(kind: StoreKind, section: Record<string, unknown>, clock?: () => number): Promise<RateLimitResource> {
  const store = kind === 'memory' ? 'memory' : { redis: { url: SHARED_REDIS, keyPrefix: `${prefix}${resources.length}:`, timeout: 1000 } };
  const r = compileRateLimit({ ...section, store } as never, makeDeps({ live: true }), clock ? { clock } : {});
  resources.push(r);
  if (kind === 'redis') {
    await (r.store as RedisStore).ready();
  }
  return r;
}

const rls = (domain: string, ...values: string[]): RlsRequest => ({
  domain, hitsAddend: 0, descriptors: values.map((v) => ({ entries: [{ key: 'k', value: v }] })),
});

describe('memory and Redis answer alike', () => {
  it('the Lua port matches algorithms.ts on random sequences', async () => {
    const memory = new MemoryStore({ live: false });
    const redis = new RedisStore({ url: SHARED_REDIS, keyPrefix: `${prefix}parity:`, timeoutMs: 1000, live: true });
    await redis.ready();
    let seed = 7;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const algorithms: Algorithm[] = ['fixed-window', 'sliding-window', 'gcra'];
    let now = 1_900_000_000_000;
    try {
      for (let step = 0; step < 300; step++) {
        now += Math.floor(rand() * 900);
        const ops: LimitOp[] = algorithms.map((algorithm, i) => ({
          key: `p${i}-${Math.floor(rand() * 3)}`, tag: 'parity', algorithm, limit: 1 + Math.floor(rand() * 7), windowMs: 5000,
          hits: 1 + Math.floor(rand() * 3), dryRun: rand() < 0.1,
        }));
        memory.now = () => now;
        const a = memory.apply(ops, now);
        const b = await redis.apply(ops, now);
        expect(b, `step ${step} ${JSON.stringify(ops)} now=${now}`).toEqual(a);
      }
    } finally {
      await redis.close();
    }
  });
});

describe.each<StoreKind>(['memory', 'redis'])('%s store', (kind) => {
  it.each<Algorithm>(['fixed-window', 'sliding-window', 'gcra'])('N concurrent requests against limit L allow exactly L (%s)', async (algorithm) => {
    const r = await resource(kind, { algorithm, domains: [{ domain: 'c', descriptors: [{ key: 'k', rate_limit: { unit: 'hour', requests_per_unit: 50 } }] }] });
    const results = await Promise.all(Array.from({ length: 200 }, () => r.shouldRateLimit(rls('c', 'same'))));
    const ok = results.filter((x) => x.kind === 'response' && x.overallCode === 'OK').length;
    expect(ok).toBe(50);
  });

  it('the rate-limit check allows exactly L concurrent requests across its windows', async () => {
    const r = await resource(kind, {});
    const deps = makeCheckDeps({ shared: { ratelimit: r }, route: { name: `conc-${kind}` } });
    const check = await rateLimitCheck.compile({ limits: { minute: 30, hour: 1000 } }, deps);
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => check.run(makeRequest(), makeContext())));
    expect(outcomes.filter((o) => o.pass)).toHaveLength(30);
  });

  it('rolls over at the window boundary (injected clock)', async () => {
    let now = 1_900_000_020_000; // a minute boundary
    const r = await resource(kind, { domains: [{ domain: 'w', descriptors: [{ key: 'k', rate_limit: { unit: 'minute', requests_per_unit: 2 } }] }] }, () => now);
    const code = async () => {
      const x = await r.shouldRateLimit(rls('w', 'roll'));
      return x.kind === 'response' ? x.overallCode : x.grpcCode;
    };
    now += 58_000;
    expect([await code(), await code(), await code()]).toEqual(['OK', 'OK', 'OVER_LIMIT']);
    now += 2_000;
    expect([await code(), await code(), await code()]).toEqual(['OK', 'OK', 'OVER_LIMIT']);
  });

  it('counters can be read and reset', async () => {
    const r = await resource(kind, { domains: [{ domain: 'adm', descriptors: [{ key: 'k', rate_limit: { unit: 'minute', requests_per_unit: 5 } }] }] });
    for (let i = 0; i < 3; i++) await r.shouldRateLimit(rls('adm', 'x'));
    const report = await r.readCounters({ domain: 'adm', entries: [{ key: 'k', value: 'x' }] });
    expect(report.counters).toEqual([expect.objectContaining({ algorithm: 'fixed-window', window: 'MINUTE', count: 3 })]);
    expect((await r.resetCounters({ domain: 'adm', entries: [{ key: 'k', value: 'x' }] })).removed).toBeGreaterThanOrEqual(1);
    expect((await r.readCounters({ domain: 'adm', entries: [{ key: 'k', value: 'x' }] })).counters).toEqual([]);
    const after = await r.shouldRateLimit(rls('adm', 'x'));
    expect(after.kind === 'response' && after.statuses[0]!.limitRemaining).toBe(4);
  });
});

describe('Redis specifics', () => {
  it('one round trip per request whatever the number of descriptors and windows', async () => {
    const r = await resource('redis', {
      domains: [{ domain: 'rt', descriptors: [
        { key: 'a', rate_limit: { unit: 'second', requests_per_unit: 100 } },
        { key: 'b', rate_limit: { unit: 'minute', requests_per_unit: 100 } },
        { key: 'c', algorithm: 'sliding-window', rate_limit: { unit: 'hour', requests_per_unit: 100 } },
      ] }],
    });
    const store = r.store as RedisStore;
    const myPrefix = store.options.keyPrefix;
    const req: RlsRequest = { domain: 'rt', hitsAddend: 0, descriptors: ['a', 'b', 'c'].map((key) => ({ entries: [{ key, value: 'v' }] })) };
    await r.shouldRateLimit(req); // loads the script (EVALSHA, NOSCRIPT, EVAL) once
    const monitor = new Redis(SHARED_REDIS);
    const seen: string[] = [];
    const m = await monitor.monitor();
    m.on('monitor', (_time: string, args: string[], source: string) => {
      // Commands the script runs inside Redis are listed too, with source "lua": not round trips.
      if (source !== 'lua' && args.some((a) => a.startsWith(myPrefix))) seen.push(args[0]!.toLowerCase());
    });
    await new Promise((res) => setTimeout(res, 50));
    for (let i = 0; i < 10; i++) await r.shouldRateLimit(req);
    await new Promise((res) => setTimeout(res, 100));
    m.disconnect();
    monitor.disconnect();
    expect(seen).toEqual(Array(10).fill('evalsha'));
  });

  it('keys follow the documented, Cluster-safe layout', async () => {
    const store = new RedisStore({ url: SHARED_REDIS, keyPrefix: 'p:', timeoutMs: 15, live: false });
    const [k1, k2] = store.keysFor({ key: 'rls:edge:remote_address=10.0.0.1', tag: 'rls:edge', algorithm: 'sliding-window', windowMs: 60_000 }, 1_764_331_230_000);
    expect(k1).toBe('p:{rls:edge}:rls:edge:remote_address=10.0.0.1:s60000:1764331200000');
    expect(k2).toBe('p:{rls:edge}:rls:edge:remote_address=10.0.0.1:s60000:1764331140000');
    const [g] = store.keysFor({ key: 'x', tag: 'bad{tag}', algorithm: 'gcra', windowMs: 1000 }, 0);
    expect(g).toBe('p:{bad_tag_}:x:g1000');
    await store.close();
  });

  it('two processes sharing Redis enforce one global limit', async () => {
    const worker = await bundle(join(here, 'fixtures', 'limit-worker.ts'));
    const input = { url: SHARED_REDIS, keyPrefix: `${prefix}global:`, limit: 50, count: 60, algorithm: 'fixed-window' };
    const children = [0, 1].map(() => spawn(process.execPath, [worker, JSON.stringify(input)], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const outputs = children.map((c) => {
      let out = '';
      c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      return {
        ready: new Promise<void>((res) => c.stdout!.on('data', () => out.includes('ready') && res())),
        done: new Promise<string>((res) => c.once('exit', () => res(out))),
      };
    });
    await Promise.all(outputs.map((o) => o.ready));
    // Both fire at the same moment, so their calls interleave in Redis.
    for (const c of children) c.stdin!.write('go\n');
    const outs = (await Promise.all(outputs.map((o) => o.done))).map((o) => ({ stdout: o.slice(o.indexOf('{')) }));
    const counts = outs.map((o) => JSON.parse(o.stdout.trim()) as { ok: number; over: number });
    expect(counts[0]!.ok + counts[1]!.ok).toBe(50);
    expect(counts[0]!.over + counts[1]!.over).toBe(70);
    // Both processes got some of the budget: the calls really interleaved.
    expect(Math.min(counts[0]!.ok, counts[1]!.ok)).toBeGreaterThan(0);
  });
});

describe('check-config', () => {
  it('a Redis store compiled for check-config (live: false) never connects', async () => {
    const r = compileRateLimit({ store: { redis: { url: 'redis://127.0.0.1:6379', keyPrefix: `${prefix}cc:` } } } as never, makeDeps({ live: false }));
    const client = (r.store as RedisStore).client;
    await new Promise((res) => setTimeout(res, 50));
    expect(client.status).toBe('wait');
    await r.dispose();
    expect(['end', 'wait']).toContain(client.status);
  });
});

describe('hostile values', () => {
  it('a huge header value keeps Redis keys small (hashed in the id and the hash tag)', async () => {
    const r = await resource('redis', {});
    const deps = makeCheckDeps({ shared: { ratelimit: r }, route: { name: 'hostile' } });
    const check = await rateLimitCheck.compile({ limits: { minute: 1 }, by: 'header:x-tenant' }, deps);
    const value = `{${'x'.repeat(4_000)}}`;
    expect((await check.run(makeRequest({ headers: { 'x-tenant': value } }), makeContext())).pass).toBe(true);
    expect((await check.run(makeRequest({ headers: { 'x-tenant': value } }), makeContext())).pass).toBe(false);
    const client = (r.store as RedisStore).client;
    const keys = await client.keys(`${(r.store as RedisStore).options.keyPrefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    // Prefix, two digests and the window: far below the 4,000-character value.
    for (const k of keys) expect(k.length).toBeLessThan(300);
  });
});
