import { describe, expect, it } from 'vitest';
import { HIST_BUCKETS, latencyBucket, quantile } from '../../../src/decisions/histogram.js';
import { splitWindow } from '../../../src/decisions/sql/stats-parts.js';

describe('latency histogram', () => {
  it('buckets four per doubling and clamps the ends', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(Number.NaN)).toBe(0);
    expect(latencyBucket(1)).toBe(0);
    expect(latencyBucket(2)).toBe(4);
    expect(latencyBucket(1024)).toBe(40);
    expect(latencyBucket(1e12)).toBe(HIST_BUCKETS - 1);
  });

  it('estimates percentiles within one bucket width (2^(1/4), 19%)', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => 50 + ((i * 7919) % 5000));
    const hist = new Array<number>(HIST_BUCKETS).fill(0);
    for (const v of values) hist[latencyBucket(v)]!++;
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      expect(Math.abs(quantile(hist, q)! - exact) / exact).toBeLessThan(0.19);
    }
    expect(quantile(new Array(HIST_BUCKETS).fill(0), 0.5)).toBeNull();
  });
});

describe('stats windows', () => {
  const H = 3_600_000;
  const M = 60_000;
  it('answers whole hours and minutes from rollups and only the edges from records', () => {
    const from = 10 * H + 5 * M + 1234;
    const to = 14 * H + 30 * M + 7;
    expect(splitWindow(from, to, 0)).toEqual([
      { level: 0, from, to: 10 * H + 6 * M },
      { level: M, from: 10 * H + 6 * M, to: 11 * H },
      { level: H, from: 11 * H, to: 14 * H },
      { level: M, from: 14 * H, to: 14 * H + 30 * M },
      { level: 0, from: 14 * H + 30 * M, to },
    ]);
  });

  it('covers the window exactly, without gaps or overlaps', () => {
    for (const [from, to] of [[0, Number.MAX_SAFE_INTEGER], [123, 456], [M - 1, 3 * H + 1], [5 * H, 6 * H]] as const) {
      const parts = splitWindow(from, to, 0);
      expect(parts[0]!.from).toBe(from);
      expect(parts.at(-1)!.to).toBe(to);
      for (let i = 1; i < parts.length; i++) expect(parts[i]!.from).toBe(parts[i - 1]!.to);
    }
  });
});
