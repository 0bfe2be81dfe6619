/** The accuracy the README states for each algorithm, checked by simulation on the memory store. */
import { describe, expect, it } from 'vitest';
import type { Algorithm, LimitOp } from '../../../src/ratelimit/algorithms.js';
import { MemoryStore } from '../../../src/ratelimit/memory-store.js';

const W = 60_000;
const LIMIT = 100;
const T0 = 1_900_000_020_000; // a minute boundary

/** Admitted hit times for arrivals at `times`. */
function simulate(algorithm: Algorithm, times: number[]): number[] {
  const store = new MemoryStore({ live: false });
  const op: LimitOp = { key: 'k', tag: 't', algorithm, limit: LIMIT, windowMs: W, hits: 1 };
  return times.filter((t) => store.apply([op], t)[0]!.allowed);
}

/** The most admitted hits in any interval of length `len` (sliding over admitted times). */
function maxIn(admitted: number[], len: number): number {
  let best = 0;
  let j = 0;
  for (let i = 0; i < admitted.length; i++) {
    while (admitted[i]! - admitted[j]! >= len) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

// Steady traffic at three times the limit's rate, for twenty windows.
const steady = Array.from({ length: 3 * LIMIT * 20 }, (_, i) => T0 + 7_000 + Math.floor((i * W) / (3 * LIMIT)));
// The worst case for window counters: a burst just before and just after each boundary.
const bursts = Array.from({ length: 10 }, (_, k) => [
  ...Array.from({ length: 2 * LIMIT }, () => T0 + k * W - 1),
  ...Array.from({ length: 2 * LIMIT }, () => T0 + k * W + 1),
]).flat();

function perAlignedWindow(admitted: number[]): number[] {
  const counts = new Map<number, number>();
  for (const t of admitted) counts.set(Math.floor(t / W), (counts.get(Math.floor(t / W)) ?? 0) + 1);
  return [...counts.values()];
}

describe('accuracy', () => {
  it('fixed-window: exact per window; around a boundary up to twice the limit in one window-long interval', () => {
    const admitted = simulate('fixed-window', steady);
    expect(Math.max(...perAlignedWindow(admitted))).toBe(LIMIT);
    expect(maxIn(admitted, W)).toBeGreaterThan(LIMIT);
    expect(maxIn(simulate('fixed-window', bursts), W)).toBe(2 * LIMIT);
  });

  it('sliding-window: at most the limit once traffic is steady, a bounded overshoot when it starts', () => {
    const admitted = simulate('sliding-window', steady);
    const settled = admitted.filter((t) => t >= T0 + 5 * W);
    expect(maxIn(settled, W)).toBeLessThanOrEqual(LIMIT);
    // It still lets the limit's rate through (it does not starve).
    expect(settled.length / 15).toBeGreaterThanOrEqual(LIMIT * 0.99);
    expect(maxIn(admitted, W)).toBeLessThanOrEqual(LIMIT * 1.15);
    expect(maxIn(simulate('sliding-window', bursts), W)).toBeLessThan(2 * LIMIT);
  });

  it('gcra: at most limit + floor(t * limit / window) in any interval t, boundary or not', () => {
    for (const times of [steady, bursts]) {
      const admitted = simulate('gcra', times);
      for (const t of [1, 1_000, W / 2, W, 3 * W]) {
        expect(maxIn(admitted, t), `t=${t}`).toBeLessThanOrEqual(LIMIT + Math.floor((t * LIMIT) / W));
      }
    }
  });
});
