/**
 * Redis hung and Redis dead, on a private redis-server: bounded latency, fail open and closed, the breaker,
 * readiness, and automatic recovery.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitCheck } from '../../../src/checks/rate-limit/index.js';
import type { Check, DenyOutcome } from '../../../src/pipeline/types.js';
import { RedisStore } from '../../../src/ratelimit/redis-store.js';
import { compileRateLimit, type RateLimitResource } from '../../../src/ratelimit/section.js';
import type { RlsRequest, RlsResult } from '../../../src/ratelimit/rls-types.js';
import { makeCheckDeps, makeContext, makeDeps, makeRequest } from '../../helpers/request.js';
import { freePort, startRedis, stopProcess } from './redis-helpers.js';

const TIMEOUT_MS = 15;
// Scheduling jitter on a loaded 2-core machine: typical calls must end near the timeout, and none may take
// anywhere near what a hung connection would cost without one.
const TYPICAL_SLACK_MS = 25;
const WORST_SLACK_MS = 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let port: number;
let redis: ChildProcess;
let resource: RateLimitResource;
let openCheck: Check;
let closedCheck: Check;

const call = (domain: string): RlsRequest => ({ domain, hitsAddend: 0, descriptors: [{ entries: [{ key: 'k', value: 'v' }] }] });

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t };
}

const code = (r: RlsResult) => (r.kind === 'response' ? r.overallCode : r.grpcCode);

async function waitUntil(pred: () => Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  port = await freePort();
  redis = await startRedis(port);
  const deps = makeDeps({ live: true });
  resource = compileRateLimit(
    {
      store: { redis: { url: `redis://127.0.0.1:${port}`, timeout: `${TIMEOUT_MS}ms`, keyPrefix: 'outage:' } },
      failMode: 'open',
      breaker: { failures: 7, cooldown: '300ms' },
      domains: [
        { domain: 'open', descriptors: [{ key: 'k', rate_limit: { unit: 'minute', requests_per_unit: 1000 } }] },
        { domain: 'closed', fail_mode: 'closed', descriptors: [{ key: 'k', rate_limit: { unit: 'minute', requests_per_unit: 1000 } }] },
      ],
    },
    deps,
  );
  await (resource.store as RedisStore).ready();
  const checkDeps = makeCheckDeps({ shared: { ratelimit: resource } });
  openCheck = await rateLimitCheck.compile({ limits: { minute: 1000, hour: 50000 } }, checkDeps);
  closedCheck = await rateLimitCheck.compile({ limits: { minute: 1000 }, failMode: 'closed' }, checkDeps);
});

afterAll(async () => {
  if (redis) {
    redis.kill('SIGCONT');
    await stopProcess(redis);
  }
  await resource?.dispose();
});

describe('Redis outage', () => {
  it('healthy: limits apply and the store is ready', async () => {
    // A cold process on a busy machine can miss a 15 ms deadline once; a healthy store answers soon after.
    await waitUntil(async () => {
      const r = await resource.shouldRateLimit(call('open'));
      return r.kind === 'response' && r.statuses[0]!.currentLimit?.requestsPerUnit === 1000 && !r.info;
    });
    expect(resource.limiter.breakerState).toBe('closed');
    expect(resource.readiness()).toEqual([]);
  });

  it('hung Redis: calls end at the timeout, fail open or closed, then the breaker answers at once; recovery follows', async () => {
    redis.kill('SIGSTOP');
    try {
      const open: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await timed(() => resource.shouldRateLimit(call('open')));
        expect(code(r.value)).toBe('OK');
        expect(r.value.info).toMatchObject({ degraded: ['ratelimit.store_unavailable: timeout'], failMode: 'open' });
        open.push(r.ms);
      }
      const closed: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await timed(() => resource.shouldRateLimit(call('closed')));
        expect(code(r.value)).toBe('UNAVAILABLE');
        closed.push(r.ms);
      }
      const all = [...open, ...closed];
      expect(Math.min(...all)).toBeGreaterThanOrEqual(TIMEOUT_MS - 2);
      expect(median(all)).toBeLessThan(TIMEOUT_MS + TYPICAL_SLACK_MS);
      expect(Math.max(...all)).toBeLessThan(TIMEOUT_MS + WORST_SLACK_MS);

      const ctx = makeContext();
      const viaCheck = await timed(async () => openCheck.run(makeRequest(), ctx));
      expect(viaCheck.value.pass).toBe(true);
      expect(ctx.degraded).toEqual(['ratelimit.store_unavailable: timeout']);
      expect(viaCheck.ms).toBeLessThan(TIMEOUT_MS + WORST_SLACK_MS);

      // Seven failures opened the breaker: answers come without waiting.
      expect(resource.limiter.breakerState).toBe('open');
      const fast = await timed(async () => (await closedCheck.run(makeRequest(), makeContext())) as DenyOutcome);
      expect(fast.value).toMatchObject({ pass: false, status: 503, code: 'ratelimit.store_unavailable' });
      expect(fast.ms).toBeLessThan(TYPICAL_SLACK_MS);
      expect(resource.readiness().join()).toMatch(/circuit breaker open/);
    } finally {
      redis.kill('SIGCONT');
    }
    await waitUntil(async () => code(await resource.shouldRateLimit(call('closed'))) === 'OK');
    expect(resource.limiter.breakerState).toBe('closed');
  });

  it('dead Redis: immediate failures, readiness says so; a restarted Redis is used again', async () => {
    await stopProcess(redis);
    const client = (resource.store as RedisStore).client;
    await waitUntil(async () => client.status !== 'ready');
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await timed(() => resource.shouldRateLimit(call('closed')));
      expect(code(r.value)).toBe('UNAVAILABLE');
      latencies.push(r.ms);
      const o = await resource.shouldRateLimit(call('open'));
      expect(code(o)).toBe('OK');
    }
    expect(median(latencies)).toBeLessThan(TIMEOUT_MS + TYPICAL_SLACK_MS);
    expect(Math.max(...latencies)).toBeLessThan(TIMEOUT_MS + WORST_SLACK_MS);
    expect(resource.readiness().join()).toMatch(/redis|breaker/);

    redis = await startRedis(port);
    await waitUntil(async () => code(await resource.shouldRateLimit(call('closed'))) === 'OK');
    await waitUntil(async () => (await closedCheck.run(makeRequest(), makeContext())).pass);
    await waitUntil(async () => resource.readiness().length === 0);
  });
});
