import { afterEach, describe, expect, it } from 'vitest';
import { rateLimitCheck, type RateLimitCheckSpec } from '../../../../src/checks/rate-limit/index.js';
import type { DenyOutcome, Outcome, PassOutcome } from '../../../../src/pipeline/types.js';
import type { LimitOp, LimitResult } from '../../../../src/ratelimit/algorithms.js';
import { compileRateLimit, type RateLimitResource } from '../../../../src/ratelimit/section.js';
import type { CounterStore } from '../../../../src/ratelimit/store.js';
import { makeCheckDeps, makeContext, makeDeps, makeRequest } from '../../../helpers/request.js';

const T0 = 1_764_331_200_000;
let resources: RateLimitResource[] = [];
afterEach(async () => {
  await Promise.all(resources.map((r) => r.dispose()));
  resources = [];
});

function setup(spec: RateLimitCheckSpec, section: Record<string, unknown> = {}, clock: () => number = () => T0) {
  const base = makeDeps({ live: false });
  const resource = compileRateLimit(section as never, base, { clock });
  resources.push(resource);
  const deps = makeCheckDeps({ shared: { ratelimit: resource }, route: { name: 'user-routes' } });
  const check = rateLimitCheck.compile(spec, deps) as ReturnType<typeof rateLimitCheck.compile> & { run: (...a: never[]) => unknown };
  return { check: check as Awaited<typeof check>, deps, resource };
}

const run = async (c: { run: Function }, req = makeRequest(), ctx = makeContext()): Promise<Outcome> => c.run(req, ctx);

describe('rate-limit check', () => {
  it('enforces every window (minute 1000 and hour 50000 style), 429 with Retry-After', async () => {
    const { check } = setup({ limits: { minute: 3, hour: 5 } });
    const results: Outcome[] = [];
    for (let i = 0; i < 4; i++) results.push(await run(check));
    expect(results.map((r) => r.pass)).toEqual([true, true, true, false]);
    const deny = results[3] as DenyOutcome;
    expect(deny).toMatchObject({ status: 429, code: 'ratelimit.over_limit' });
    expect(deny.headers).toMatchObject({ 'retry-after': '60', 'x-ratelimit-remaining-minute': '0', 'x-ratelimit-remaining-hour': '1', 'ratelimit-remaining': '0' });
    expect(deny.notes?.ratelimit).toMatchObject({ over: 'minute', by: 'ip' });
  });

  it('the hour window stops traffic across minutes', async () => {
    let now = T0;
    const { check } = setup({ limits: { minute: 3, hour: 5 } }, {}, () => now);
    const passes: boolean[] = [];
    for (let m = 0; m < 3; m++) {
      now = T0 + m * 60_000;
      for (let i = 0; i < 3; i++) passes.push((await run(check)).pass);
    }
    // Fixed windows count denied hits too (as Kong does): 3 + 2 allowed, then the hour is spent.
    expect(passes.filter(Boolean)).toHaveLength(5);
    const last = (await run(check)) as DenyOutcome;
    expect(last.notes?.ratelimit).toMatchObject({ over: 'hour' });
    expect(Number(last.headers!['retry-after'])).toBeGreaterThan(60);
  });

  it('puts the headers on allowed responses, or hides them', async () => {
    const { check } = setup({ limits: { minute: 10, hour: 100 } });
    const ok = (await run(check)) as PassOutcome;
    expect(ok.headers?.response).toEqual({
      'x-ratelimit-limit-minute': '10', 'x-ratelimit-remaining-minute': '9',
      'x-ratelimit-limit-hour': '100', 'x-ratelimit-remaining-hour': '99',
      'ratelimit-limit': '10', 'ratelimit-remaining': '9', 'ratelimit-reset': '60', 'x-ratelimit-remaining': '9',
    });
    const hidden = setup({ limits: { minute: 1 }, hideClientHeaders: true }).check;
    expect(((await run(hidden)) as PassOutcome).headers).toBeUndefined();
    const denied = (await run(hidden)) as DenyOutcome;
    expect(denied.headers).toEqual({ 'retry-after': '60' });
  });

  it('keys by consumer, falling back to the client IP', async () => {
    const { check } = setup({ limits: { minute: 1 } });
    const alice = () => makeContext({ identity: { principal: 'alice', source: 'jwt' } });
    expect((await run(check, makeRequest({ peer: '198.51.100.1' }), alice())).pass).toBe(true);
    // Same consumer from another address: same counter.
    expect((await run(check, makeRequest({ peer: '198.51.100.2' }), alice())).pass).toBe(false);
    // No principal: the client IP is the key.
    expect((await run(check, makeRequest({ peer: '198.51.100.1' }))).pass).toBe(true);
    expect((await run(check, makeRequest({ peer: '198.51.100.1' }))).pass).toBe(false);
    expect((await run(check, makeRequest({ peer: '198.51.100.3' }))).pass).toBe(true);
  });

  it('keys by header (IP when absent) and by route', async () => {
    const byHeader = setup({ limits: { second: 1 }, by: 'header:X-Tenant' }).check;
    expect((await run(byHeader, makeRequest({ headers: { 'x-tenant': 'a' } }))).pass).toBe(true);
    expect((await run(byHeader, makeRequest({ headers: { 'x-tenant': 'a' }, peer: '192.0.2.9' }))).pass).toBe(false);
    expect((await run(byHeader, makeRequest({ headers: { 'x-tenant': 'b' } }))).pass).toBe(true);
    expect((await run(byHeader, makeRequest({ headers: { 'x-tenant': 'x'.repeat(10_000) } }))).pass).toBe(true);
    const byRoute = setup({ limits: { second: 2 }, by: 'route' }).check;
    const outcomes = await Promise.all(['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((ip) => run(byRoute, makeRequest({ peer: ip }))));
    expect(outcomes.map((o) => o.pass)).toEqual([true, true, false]);
  });

  it('dry run (eval) reads without consuming', async () => {
    const { check } = setup({ limits: { minute: 1 } });
    const dry = makeContext({ dryRun: true });
    for (let i = 0; i < 3; i++) expect((await run(check, makeRequest(), dry)).pass).toBe(true);
    expect((await run(check)).pass).toBe(true);
    const after = (await run(check, makeRequest(), makeContext({ dryRun: true }))) as DenyOutcome;
    expect(after.pass).toBe(false);
    expect(after.notes?.ratelimit).toMatchObject({ dryRun: true });
  });

  it('sliding-window and gcra are selectable per limit', async () => {
    for (const algorithm of ['sliding-window', 'gcra'] as const) {
      const { check } = setup({ limits: { minute: 2 }, algorithm });
      const passes = [];
      for (let i = 0; i < 3; i++) passes.push((await run(check)).pass);
      expect(passes).toEqual([true, true, false]);
      expect(((await run(check)) as DenyOutcome).notes?.ratelimit).toMatchObject({ algorithm });
    }
  });
});

/** A store that always fails, to exercise fail modes without a network. */
class BrokenStore implements CounterStore {
  readonly kind = 'redis' as const;
  calls = 0;
  apply(_ops: readonly LimitOp[]): Promise<LimitResult[]> {
    this.calls++;
    return Promise.reject(new Error('connection refused'));
  }
  async read() { return []; }
  async reset() { return 0; }
  readiness() { return ['broken']; }
  async close() {}
}

describe('rate-limit check: store failures', () => {
  async function withBrokenStore(spec: RateLimitCheckSpec) {
    const { check, resource } = setup(spec);
    const broken = new BrokenStore();
    // Swap the store under the limiter: the limiter is what the check holds.
    (resource.limiter as unknown as { store: CounterStore }).store = broken;
    return { check, broken };
  }

  it('fail open: allows, marks the decision degraded', async () => {
    const { check } = await withBrokenStore({ limits: { minute: 1 } });
    const ctx = makeContext();
    const out = await run(check, makeRequest(), ctx);
    expect(out.pass).toBe(true);
    expect(ctx.degraded).toEqual(['ratelimit.store_unavailable: error']);
  });

  it('fail closed: 503 ratelimit.store_unavailable; the breaker then answers without calling the store', async () => {
    const { check, broken } = await withBrokenStore({ limits: { minute: 1 }, failMode: 'closed' });
    // Failures spread over more than two deadlines (2 x 15 ms) open the breaker.
    for (let i = 0; i < 8; i++) {
      const out = (await run(check)) as DenyOutcome;
      expect(out).toMatchObject({ pass: false, status: 503, code: 'ratelimit.store_unavailable' });
      await new Promise((r) => setTimeout(r, 12));
    }
    expect(broken.calls).toBeGreaterThanOrEqual(5);
    expect(broken.calls).toBeLessThan(8);
  });

  it('warns when the route is also limited through an RLS domain', () => {
    const { deps } = setup({ limits: { minute: 1 } }, {
      domains: [{ domain: 'edge', descriptors: [{ key: 'route', value: 'user-routes', rate_limit: { unit: 'second', requests_per_unit: 5 } }] }],
    });
    expect(deps.warnings.join('\n')).toMatch(/route 'user-routes' is limited twice.*edge/);
  });
});
