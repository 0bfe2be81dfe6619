/**
 * The limiting algorithms as pure arithmetic over a counter's state. Stores only keep the state: the memory
 * store calls these functions, the Redis store runs a line-for-line Lua port of them (redis-script.ts) so a
 * batch costs one round trip; a test feeds both the same sequences and expects the same answers.
 *
 * - fixed-window: one counter per epoch-aligned window, incremented on every hit, denied ones included (what
 *   envoyproxy/ratelimit and Kong do). Up to 2x the limit can pass around a window boundary.
 * - sliding-window: the current window's count plus the previous window's count weighted by how much of it
 *   still overlaps the sliding window; only admitted hits count. Exact when the previous window's traffic was
 *   even (steady overload: at most the limit in any window-long interval); overshoots when traffic changes
 *   abruptly (about 11% in simulation, never 2x). test/unit/ratelimit/accuracy.test.ts checks these figures.
 * - gcra: the generic cell rate algorithm (a leaky bucket as a single timestamp, the theoretical arrival time):
 *   bursts of up to `limit`, then one hit per `window / limit`. Exact: over any interval of length t at most
 *   `limit + floor(t * limit / window)` hits are admitted; there is no boundary effect.
 */

export type Algorithm = 'fixed-window' | 'sliding-window' | 'gcra';

export const ALGORITHMS: readonly Algorithm[] = ['fixed-window', 'sliding-window', 'gcra'];

/** One limit to apply to one counter. */
export interface LimitOp {
  /** Counter identity, without window or algorithm (stores add those). Built from trusted parts only. */
  key: string;
  /** Redis Cluster hash tag: every op of one batch shares it, so the batch is one script on one slot. */
  tag: string;
  algorithm: Algorithm;
  /** Hits admitted per window (0 denies everything). */
  limit: number;
  windowMs: number;
  /** Hits this request adds (>= 1); with `dryRun` the answer is computed but nothing is written. */
  hits: number;
  dryRun?: boolean;
}

export interface LimitResult {
  allowed: boolean;
  /** Hits counted in the window after this op (gcra: the equivalent, limit - remaining). */
  used: number;
  remaining: number;
  /** Milliseconds until the window resets (gcra: until the bucket is full again). */
  resetMs: number;
  /** Milliseconds until this op would be admitted; 0 when allowed. */
  retryAfterMs: number;
}

// Floating-point slack: the GCRA emission interval (window / limit) is rarely exact in binary.
const EPS = 1e-6;

export function windowStart(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}

/** `count` is the current window's count before this op. Returns the count to store. */
export function fixedWindow(count: number, op: LimitOp, now: number): { next: number; result: LimitResult } {
  const ws = windowStart(now, op.windowMs);
  const after = count + op.hits;
  const allowed = after <= op.limit;
  const resetMs = ws + op.windowMs - now;
  return {
    next: after,
    result: { allowed, used: after, remaining: Math.max(0, op.limit - after), resetMs, retryAfterMs: allowed ? 0 : resetMs },
  };
}

/** `cur` and `prev` are the counts of the current and previous windows. Returns the current count to store. */
export function slidingWindow(cur: number, prev: number, op: LimitOp, now: number): { next: number; result: LimitResult } {
  const w = op.windowMs;
  const ws = windowStart(now, w);
  const elapsed = now - ws;
  const est = (prev * (w - elapsed)) / w + cur;
  const allowed = est + op.hits <= op.limit + EPS;
  const next = allowed ? cur + op.hits : cur;
  const used = allowed ? est + op.hits : est;
  const resetMs = ws + w - now;
  let retryAfterMs = 0;
  if (!allowed) {
    if (op.hits > op.limit) retryAfterMs = resetMs + w;
    else if (cur + op.hits <= op.limit && prev > 0) {
      // Within this window, once enough of the previous window has slid out.
      const need = w * (1 - (op.limit - cur - op.hits) / prev);
      retryAfterMs = Math.max(1, Math.ceil(ws + need - now));
    } else {
      // In the next window, where this window's count becomes the weighted one.
      const need = cur > 0 ? w * (1 - (op.limit - op.hits) / cur) : 0;
      retryAfterMs = Math.ceil(resetMs + Math.max(0, need));
    }
  }
  return {
    next,
    result: { allowed, used: Math.max(0, Math.ceil(used - EPS)), remaining: Math.max(0, Math.floor(op.limit - used + EPS)), resetMs, retryAfterMs },
  };
}

/** `tat` is the stored theoretical arrival time (0 when none). Returns the TAT to store. */
export function gcra(tat: number, op: LimitOp, now: number): { next: number; result: LimitResult } {
  const w = op.windowMs;
  if (op.limit <= 0) {
    return { next: tat, result: { allowed: false, used: 0, remaining: 0, resetMs: w, retryAfterMs: w } };
  }
  const t = w / op.limit;
  const base = Math.max(tat, now);
  const newTat = base + op.hits * t;
  const allowed = newTat - now <= w + EPS;
  const eff = allowed ? newTat : base;
  const remaining = Math.max(0, Math.floor((w - (eff - now)) / t + EPS));
  return {
    next: allowed ? newTat : tat,
    result: {
      allowed,
      used: op.limit - remaining,
      remaining,
      resetMs: Math.ceil(eff - now),
      retryAfterMs: allowed ? 0 : op.hits > op.limit ? w : Math.max(1, Math.ceil(newTat - w - now)),
    },
  };
}
