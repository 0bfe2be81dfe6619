import { describe, expect, it } from 'vitest';
import { fixedWindow, gcra, slidingWindow, type LimitOp } from '../../../src/ratelimit/algorithms.js';
import { MemoryStore } from '../../../src/ratelimit/memory-store.js';

const op = (over: Partial<LimitOp> = {}): LimitOp => ({ key: 'k', tag: 't', algorithm: 'fixed-window', limit: 10, windowMs: 60_000, hits: 1, ...over });
const T0 = 1_764_331_200_000; // a minute boundary

describe('fixed window', () => {
  it('counts denied hits too and resets at the window boundary', () => {
    const store = new MemoryStore({ live: false });
    const o = op({ limit: 3 });
    const allowed = [0, 1, 2, 3, 4].map((i) => store.apply([o], T0 + i * 10)[0]!.allowed);
    expect(allowed).toEqual([true, true, true, false, false]);
    const denied = store.apply([o], T0 + 30_000)[0]!;
    expect(denied.used).toBe(6);
    expect(denied.retryAfterMs).toBe(30_000);
    expect(denied.resetMs).toBe(30_000);
    const next = store.apply([o], T0 + 60_000)[0]!;
    expect(next).toMatchObject({ allowed: true, used: 1, remaining: 2, resetMs: 60_000 });
  });

  it('a hits addend above the limit is over at once', () => {
    expect(fixedWindow(0, op({ limit: 5, hits: 6 }), T0).result.allowed).toBe(false);
    expect(fixedWindow(0, op({ limit: 5, hits: 5 }), T0).result).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('dry run answers without counting', () => {
    const store = new MemoryStore({ live: false });
    const o = op({ limit: 1 });
    expect(store.apply([{ ...o, dryRun: true }], T0)[0]!.allowed).toBe(true);
    expect(store.apply([{ ...o, dryRun: true }], T0)[0]!.allowed).toBe(true);
    expect(store.size).toBe(0);
    expect(store.apply([o], T0)[0]!.allowed).toBe(true);
    expect(store.apply([{ ...o, dryRun: true }], T0)[0]!.allowed).toBe(false);
  });
});

describe('sliding window', () => {
  it('weighs the previous window by its overlap and counts only admitted hits', () => {
    const store = new MemoryStore({ live: false });
    const o = op({ algorithm: 'sliding-window', limit: 10 });
    for (let i = 0; i < 12; i++) store.apply([o], T0 + 59_000);
    // 10 admitted in the previous window; a quarter into the next, 7.5 still weigh: 2 more fit.
    const at = T0 + 60_000 + 15_000;
    const r = [0, 1, 2].map(() => store.apply([o], at)[0]!);
    expect(r.map((x) => x.allowed)).toEqual([true, true, false]);
    expect(r[2]!.retryAfterMs).toBeGreaterThan(0);
    // Once the weight has slid down enough the retry hint holds.
    expect(store.apply([o], at + r[2]!.retryAfterMs)[0]!.allowed).toBe(true);
  });

  it('matches the pure function', () => {
    const res = slidingWindow(4, 8, op({ algorithm: 'sliding-window', limit: 10 }), T0 + 30_000);
    expect(res.result.allowed).toBe(true);
    expect(res.next).toBe(5);
    expect(res.result.remaining).toBe(1);
  });
});

describe('gcra', () => {
  it('admits a burst of the limit, then one per emission interval', () => {
    const store = new MemoryStore({ live: false });
    const o = op({ algorithm: 'gcra', limit: 7, windowMs: 60_000 });
    const burst = Array.from({ length: 9 }, () => store.apply([o], T0)[0]!.allowed);
    expect(burst.filter(Boolean)).toHaveLength(7);
    const denied = store.apply([o], T0)[0]!;
    const interval = 60_000 / 7;
    expect(denied.retryAfterMs).toBe(Math.ceil(interval));
    expect(store.apply([o], T0 + Math.ceil(interval) - 2)[0]!.allowed).toBe(false);
    expect(store.apply([o], T0 + Math.ceil(interval))[0]!.allowed).toBe(true);
  });

  it('limit 0 denies everything', () => {
    expect(gcra(0, op({ algorithm: 'gcra', limit: 0 }), T0).result.allowed).toBe(false);
  });
});

describe('memory store housekeeping', () => {
  it('reclaims expired counters and reuses their slots', () => {
    const store = new MemoryStore({ live: false });
    let now = T0;
    store.now = () => now;
    for (let i = 0; i < 100; i++) store.apply([op({ key: `k${i}`, windowMs: 1000 })], now);
    expect(store.size).toBe(100);
    now += 2000;
    expect(store.sweep(1000)).toBe(100);
    expect(store.size).toBe(0);
    store.apply([op({ key: 'again', windowMs: 1000 })], now);
    expect(store.size).toBe(1);
  });

  it('evicts the oldest counters at maxKeys instead of failing', () => {
    let evicted = 0;
    const store = new MemoryStore({ live: false, maxKeys: 10, onEvict: (n) => (evicted += n) });
    store.now = () => T0;
    for (let i = 0; i < 15; i++) store.apply([op({ key: `k${i}` })], T0);
    expect(store.size).toBe(10);
    expect(evicted).toBe(5);
    // The newest survive.
    expect(store.apply([op({ key: 'k14', limit: 1 })], T0)[0]!.allowed).toBe(false);
  });
});
