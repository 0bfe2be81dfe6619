/**
 * The in-process counter store (the embedded default). State lives in parallel typed arrays indexed by a slot
 * number, with one Map from counter id to slot: about 32 bytes of numbers per counter plus the id string and the
 * Map entry, so a million live counters stay well under 250 MB. Expired slots are reclaimed by an incremental
 * sweep (a slice of the slots per tick) and reused; when `maxKeys` is reached the oldest counters are evicted
 * (counted in a metric), which can only make a limit more lenient, never stall or fail a request.
 */
import { fixedWindow, gcra, slidingWindow, windowStart, type Algorithm, type LimitOp, type LimitResult } from './algorithms.js';
import type { CounterReading, CounterStore } from './store.js';
import { UNIT_SECONDS } from './units.js';

export interface MemoryStoreOptions {
  /** Most live counters kept (default 1,000,000: about 220 MB). */
  maxKeys?: number;
  /** How often the sweep runs (default 1000 ms); each run scans a tenth of the slots. */
  sweepIntervalMs?: number;
  /** Start the sweep timer (false for check-config and other one-shot commands). */
  live?: boolean;
  /** Called with the number of counters evicted because the store was full. */
  onEvict?: (n: number) => void;
}

const ALGO_CODE: Record<Algorithm, string> = { 'fixed-window': 'f', 'sliding-window': 's', gcra: 'g' };
const CODE_ALGO: Record<string, Algorithm> = { f: 'fixed-window', s: 'sliding-window', g: 'gcra' };

function counterId(key: string, algorithm: Algorithm, windowMs: number): string {
  return `${key}\u0001${ALGO_CODE[algorithm]}${windowMs}`;
}

export class MemoryStore implements CounterStore {
  readonly kind = 'memory' as const;
  private readonly maxKeys: number;
  private readonly index = new Map<string, number>();
  private ids: Array<string | undefined> = [];
  // a: window start (fixed, sliding) or TAT (gcra); b: current count; c: previous count; exp: expiry (ms).
  private a = new Float64Array(1024);
  private b = new Float64Array(1024);
  private c = new Float64Array(1024);
  private exp = new Float64Array(1024);
  private used = 0;
  private free: number[] = [];
  private cursor = 0;
  private lastFullSweep = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly onEvict: ((n: number) => void) | undefined;
  /** The clock the sweep uses; tests with an injected clock set it. */
  now: () => number = Date.now;

  constructor(opts: MemoryStoreOptions = {}) {
    this.maxKeys = Math.max(1, opts.maxKeys ?? 1_000_000);
    this.onEvict = opts.onEvict;
    if (opts.live !== false) {
      this.timer = setInterval(() => this.sweep(Math.max(4096, Math.ceil(this.used / 10))), opts.sweepIntervalMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Live counters (including expired ones not yet reclaimed). */
  get size(): number {
    return this.index.size;
  }

  apply(ops: readonly LimitOp[], now: number): LimitResult[] {
    const out: LimitResult[] = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) out[i] = this.applyOne(ops[i]!, now);
    return out;
  }

  private applyOne(op: LimitOp, now: number): LimitResult {
    const id = counterId(op.key, op.algorithm, op.windowMs);
    let slot = this.index.get(id);
    if (slot !== undefined && this.exp[slot]! <= now) {
      this.a[slot] = 0;
      this.b[slot] = 0;
      this.c[slot] = 0;
    }
    const w = op.windowMs;
    if (op.algorithm === 'gcra') {
      const { next, result } = gcra(slot === undefined ? 0 : this.a[slot]!, op, now);
      if (!op.dryRun && result.allowed) {
        slot ??= this.allocate(id);
        this.a[slot] = next;
        this.exp[slot] = next;
      }
      return result;
    }
    const ws = windowStart(now, w);
    let cur = 0;
    let prev = 0;
    if (slot !== undefined) {
      const sws = this.a[slot]!;
      if (sws === ws) {
        cur = this.b[slot]!;
        prev = this.c[slot]!;
      } else if (sws === ws - w) {
        prev = this.b[slot]!;
      }
    }
    if (op.algorithm === 'fixed-window') {
      const { next, result } = fixedWindow(cur, op, now);
      if (!op.dryRun) {
        slot ??= this.allocate(id);
        this.a[slot] = ws;
        this.b[slot] = next;
        this.c[slot] = 0;
        this.exp[slot] = ws + w;
      }
      return result;
    }
    const { next, result } = slidingWindow(cur, prev, op, now);
    if (!op.dryRun && (result.allowed || slot !== undefined)) {
      slot ??= this.allocate(id);
      this.a[slot] = ws;
      this.b[slot] = next;
      this.c[slot] = prev;
      // The current count still weighs in during the next window.
      this.exp[slot] = ws + 2 * w;
    }
    return result;
  }

  private allocate(id: string): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used >= this.maxKeys) {
        const now = this.now();
        // A full sweep at most once a second; otherwise make room by evicting the oldest counter.
        if (now - this.lastFullSweep >= 1000) {
          this.lastFullSweep = now;
          this.sweep(this.used);
        }
        slot = this.free.pop() ?? this.evictOldest();
      } else {
        slot = this.used++;
        if (slot >= this.a.length) this.grow();
      }
    }
    // Keys arrive as trees of concatenated pieces; keeping one flat copy halves the memory per counter.
    const flat = JSON.parse(JSON.stringify(id)) as string;
    this.ids[slot] = flat;
    this.index.set(flat, slot);
    return slot;
  }

  private evictOldest(): number {
    const first = this.index.entries().next().value as [string, number];
    this.index.delete(first[0]);
    this.ids[first[1]] = undefined;
    this.onEvict?.(1);
    return first[1];
  }

  private grow(): void {
    const cap = Math.min(Math.max(this.a.length * 2, 1024), Math.max(this.maxKeys, 1024));
    for (const name of ['a', 'b', 'c', 'exp'] as const) {
      const next = new Float64Array(cap);
      next.set(this[name]);
      this[name] = next;
    }
  }

  /** Reclaims expired counters among the next `count` slots. */
  sweep(count: number): number {
    const now = this.now();
    let reclaimed = 0;
    const n = Math.min(count, this.used);
    for (let k = 0; k < n; k++) {
      if (this.cursor >= this.used) this.cursor = 0;
      const slot = this.cursor++;
      const id = this.ids[slot];
      if (id !== undefined && this.exp[slot]! <= now) {
        this.index.delete(id);
        this.ids[slot] = undefined;
        this.free.push(slot);
        reclaimed++;
      }
    }
    return reclaimed;
  }

  async read(key: string, _tag: string, now: number): Promise<CounterReading[]> {
    const out: CounterReading[] = [];
    for (const [code, algorithm] of Object.entries(CODE_ALGO)) {
      for (const seconds of Object.values(UNIT_SECONDS)) {
        const windowMs = seconds * 1000;
        const id = counterId(key, algorithm, windowMs);
        const slot = this.index.get(`${key}\u0001${code}${windowMs}`);
        if (slot === undefined || this.exp[slot]! <= now) continue;
        if (algorithm === 'gcra') {
          out.push({ key: id, algorithm, windowMs, count: Math.max(0, this.a[slot]! - now) / windowMs, resetMs: Math.ceil(this.a[slot]! - now) });
          continue;
        }
        const ws = windowStart(now, windowMs);
        const count = this.a[slot] === ws ? this.b[slot]! : 0;
        out.push({ key: id, algorithm, windowMs, count, resetMs: ws + windowMs - now });
      }
    }
    return out;
  }

  async reset(key: string): Promise<number> {
    let removed = 0;
    for (const code of Object.keys(CODE_ALGO)) {
      for (const seconds of Object.values(UNIT_SECONDS)) {
        const id = `${key}\u0001${code}${seconds * 1000}`;
        const slot = this.index.get(id);
        if (slot === undefined) continue;
        this.index.delete(id);
        this.ids[slot] = undefined;
        this.free.push(slot);
        removed++;
      }
    }
    return removed;
  }

  readiness(): string[] {
    return [];
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
