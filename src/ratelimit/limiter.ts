/**
 * The limiter: a counter store behind a deadline and a circuit breaker. It never throws and never waits longer
 * than the timeout; a failure is an answer (`ok: false`) that the caller turns into fail-open or fail-closed.
 */
import type { LimitOp, LimitResult } from './algorithms.js';
import { CircuitBreaker, type BreakerState } from './breaker.js';
import { BREAKER_VALUE, type RateLimitMetrics } from './metrics.js';
import type { CounterStore } from './store.js';

export type StoreFailure = 'timeout' | 'error' | 'breaker_open';

export type ApplyOutcome =
  | { ok: true; results: LimitResult[] }
  | { ok: false; reason: StoreFailure; message: string };

export interface LimiterOptions {
  /** Deadline of one store call in ms (default 15: inside Envoy's 20 ms ratelimit timeout). */
  timeoutMs?: number;
  breaker?: { failures?: number; cooldownMs?: number; minSpanMs?: number };
  metrics?: RateLimitMetrics;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
}

export class Limiter {
  readonly timeoutMs: number;
  readonly breaker: CircuitBreaker;
  readonly clock: () => number;
  private readonly metrics: RateLimitMetrics | undefined;

  constructor(readonly store: CounterStore, opts: LimiterOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 15;
    this.clock = opts.clock ?? Date.now;
    this.metrics = opts.metrics;
    this.breaker = new CircuitBreaker({
      failures: opts.breaker?.failures ?? 5,
      cooldownMs: opts.breaker?.cooldownMs ?? 1000,
      // Two deadlines: one wave of timeouts (a pause here) is not enough, a second wave is.
      minSpanMs: opts.breaker?.minSpanMs ?? 2 * this.timeoutMs,
      onChange: (state) => this.metrics?.breakerState.set({ store: store.kind }, BREAKER_VALUE[state]),
    });
    this.metrics?.breakerState.set({ store: store.kind }, 0);
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /**
   * Applies one batch. The memory store answers synchronously and so does this (no promise, no timer); a
   * remote store's answer is raced against the timeout.
   */
  apply(ops: readonly LimitOp[], now: number = this.clock()): ApplyOutcome | Promise<ApplyOutcome> {
    if (!this.breaker.allow()) return this.fail('breaker_open', 'the counter store circuit breaker is open', false);
    let answer: LimitResult[] | Promise<LimitResult[]>;
    try {
      answer = this.store.apply(ops, now);
    } catch (err) {
      return this.fail('error', message(err), true);
    }
    if (!(answer instanceof Promise)) {
      this.breaker.success();
      return { ok: true, results: answer };
    }
    return new Promise<ApplyOutcome>((resolve) => {
      let settled = false;
      const timer = setTimeout(() => {
        // Timers run before I/O in an event-loop turn: give a reply already sitting in the socket one poll
        // phase to win, so a busy loop does not turn an answered call into a timeout.
        setImmediate(() => {
          if (settled) return;
          settled = true;
          resolve(this.fail('timeout', `the counter store did not answer within ${this.timeoutMs} ms`, true));
        });
      }, this.timeoutMs);
      answer.then(
        (results) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.breaker.success();
          resolve({ ok: true, results });
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const msg = message(err);
          resolve(this.fail(/timed out/i.test(msg) ? 'timeout' : 'error', msg, true));
        },
      );
    });
  }

  private fail(reason: StoreFailure, msg: string, countsForBreaker: boolean): ApplyOutcome {
    if (countsForBreaker) this.breaker.failure();
    this.metrics?.storeErrors.inc({ store: this.store.kind, reason });
    return { ok: false, reason, message: msg };
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
