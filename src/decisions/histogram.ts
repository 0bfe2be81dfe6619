/**
 * Latency histograms with log-spaced buckets (four per doubling, 1 us to ~16 s), so percentiles can be summed
 * across pre-aggregated buckets and raw records alike. Interpolated percentiles are within one bucket width
 * (19%), usually much closer.
 */
export const HIST_BUCKETS = 96;
const PER_DOUBLING = 4;

export function latencyBucket(us: number): number {
  if (!(us >= 1)) return 0;
  return Math.min(HIST_BUCKETS - 1, Math.floor(PER_DOUBLING * Math.log2(us)));
}

function lowerBound(b: number): number {
  return b === 0 ? 0 : 2 ** (b / PER_DOUBLING);
}

/** The q-quantile (0..1) of a histogram, in microseconds; null when it is empty. */
export function quantile(hist: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let i = 0; i < hist.length; i++) total += hist[i]!;
  if (total <= 0) return null;
  const rank = q * total;
  let cum = 0;
  for (let b = 0; b < hist.length; b++) {
    const c = hist[b]!;
    if (c <= 0) continue;
    if (cum + c >= rank) {
      const lo = lowerBound(b);
      const hi = lowerBound(b + 1);
      return Math.round(lo + ((hi - lo) * (rank - cum)) / c);
    }
    cum += c;
  }
  return Math.round(lowerBound(HIST_BUCKETS));
}
