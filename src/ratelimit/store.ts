/**
 * The counter store contract. A store keeps counter state and applies one batch of limits atomically; the
 * arithmetic is in algorithms.ts. A batch is one request's limits (all windows, all descriptors), so a remote
 * store can answer it in one round trip.
 */
import type { LimitOp, LimitResult } from './algorithms.js';

export interface CounterReading {
  /** The store's own key (memory: the counter id; Redis: the full key). */
  key: string;
  algorithm: string;
  windowMs: number;
  /** fixed/sliding: hits counted in the current window; gcra: how full the bucket is, 0..1. */
  count: number;
  /** Milliseconds until the window (or bucket) resets. */
  resetMs: number;
}

export interface CounterStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Applies the ops in order, atomically as a batch. The memory store answers synchronously (no promise, no
   * timer on the hot path); the Redis store answers with a promise and may reject (timeouts, connection loss).
   */
  apply(ops: readonly LimitOp[], now: number): LimitResult[] | Promise<LimitResult[]>;
  /** Current state of the counters with this identity (any window, any algorithm). */
  read(key: string, tag: string, now: number): Promise<CounterReading[]>;
  /** Deletes the counters with this identity; returns how many were removed. */
  reset(key: string, tag: string, now: number): Promise<number>;
  /** Readiness reasons (empty when ready). */
  readiness(): string[];
  close(): Promise<void>;
}
