/**
 * The in-process counter store (the embedded default). State lives in parallel typed arrays indexed by a slot
 * number, with one Map per algorithm and window from counter id to slot: about 34 bytes of numbers per counter
 * plus the id string and the Map entry, so a million live counters stay under 250 MB. Expired slots are
 * reclaimed by an incremental sweep (a slice of the slots per tick) and reused; when `maxKeys` is reached,
 * counters are evicted in slot order (roughly the oldest first; counted in a metric), which can only make a
 * limit more lenient, never stall or fail a request.
 */
import { fixedWindow, gcra, slidingWindow, windowStart, type Algorithm, type LimitOp, type LimitResult } from './algorithms.js';
import type { CounterReading, CounterStore } from './store.js';
import { UNIT_SECONDS } from './units.js';

export interface MemoryStoreOptions {
  /** Most live counters kept (default 1,000,000: about 215 MB). */
  maxKeys?: number;
  /** How often the sweep runs (default 1000 ms); each run scans a tenth of the slots. */
  sweepIntervalMs?: number;
  /** Start the sweep timer (false for check-config and other one-shot commands). */
  live?: boolean;
  /** Called with the number of counters evicted because the store was full. */
  onEvict?: (n: number) => void;
}

const ALGO_INDEX: Record<Algorithm, number> = { 'fixed-window': 0, 'sliding-window': 1, gcra: 2 };
const ALGOS: readonly Algorithm[] = ['fixed-window', 'sliding-window', 'gcra'];

interface Table {
  readonly index: number;
  readonly map: Map<string, number>;
  readonly algorithm: Algorithm;
  readonly windowMs: number;
}

export class MemoryStore implements CounterStore {
  readonly kind = 'memory' as const;
  private readonly maxKeys: number;
  // One map per (algorithm, window), so a lookup hashes the caller's key as is: no suffix to build per request.
  private readonly tableIndex = new Map<number, number>();
  private readonly tables: Table[] = [];
  private ids: Array<string | undefined> = [];
  private tbl = new Uint16Array(1024);
  private live = 0;
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
    return this.live;
  }

  private table(algorithm: Algorithm, windowMs: number, create: boolean): Table | undefined {
    const id = windowMs * 3 + ALGO_INDEX[algorithm];
    const i = this.tableIndex.get(id);
    if (i !== undefined) return this.tables[i];
    if (!create) return undefined;
    const t: Table = { index: this.tables.length, map: new Map(), algorithm, windowMs };
    this.tableIndex.set(id, this.tables.length);
    this.tables.push(t);
    return t;
  }

  apply(ops: readonly LimitOp[], now: number): LimitResult[] {
    const out: LimitResult[] = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) out[i] = this.applyOne(ops[i]!, now);
    return out;
  }

  private applyOne(op: LimitOp, now: number): LimitResult {
    const table = this.table(op.algorithm, op.windowMs, true)!;
    let slot = table.map.get(op.key);
    if (slot !== undefined && this.exp[slot]! <= now) {
      this.a[slot] = 0;
      this.b[slot] = 0;
      this.c[slot] = 0;
    }
    const w = op.windowMs;
    if (op.algorithm === 'gcra') {
      const { next, result } = gcra(slot === undefined ? 0 : this.a[slot]!, op, now);
      if (!op.dryRun && result.allowed) {
        slot ??= this.allocate(table, op.key);
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
        slot ??= this.allocate(table, op.key);
        this.a[slot] = ws;
        this.b[slot] = next;
        this.c[slot] = 0;
        this.exp[slot] = ws + w;
      }
      return result;
    }
    const { next, result } = slidingWindow(cur, prev, op, now);
    if (!op.dryRun && (result.allowed || slot !== undefined)) {
      slot ??= this.allocate(table, op.key);
      this.a[slot] = ws;
      this.b[slot] = next;
      this.c[slot] = prev;
      // The current count still weighs in during the next window.
      this.exp[slot] = ws + 2 * w;
    }
    return result;
  }

  private allocate(table: Table, key: string): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used >= this.maxKeys) {
        const now = this.now();
        // A full sweep at most once a second; otherwise make room by evicting a counter.
        if (now - this.lastFullSweep >= 1000) {
          this.lastFullSweep = now;
          this.sweep(this.used);
        }
        slot = this.free.pop() ?? this.evictNext();
      } else {
        slot = this.used++;
        if (slot >= this.a.length) this.grow();
      }
    }
    // Keys arrive as trees of concatenated pieces; keeping one flat copy halves the memory per counter.
    const flat = JSON.parse(JSON.stringify(key)) as string;
    this.ids[slot] = flat;
    this.tbl[slot] = table.index;
    table.map.set(flat, slot);
    this.live++;
    return slot;
  }

  private release(slot: number): void {
    const id = this.ids[slot];
    if (id === undefined) return;
    this.tables[this.tbl[slot]!]!.map.delete(id);
    this.ids[slot] = undefined;
    this.live--;
  }

  /** Frees the slot under the sweep cursor: slots are handed out in order, so that is roughly the oldest. */
  private evictNext(): number {
    for (;;) {
      if (this.cursor >= this.used) this.cursor = 0;
      const slot = this.cursor++;
      if (this.ids[slot] === undefined) continue;
      this.release(slot);
      this.onEvict?.(1);
      return slot;
    }
  }

  private grow(): void {
    const cap = Math.min(Math.max(this.a.length * 2, 1024), Math.max(this.maxKeys, 1024));
    const widen = (from: Float64Array) => {
      const next = new Float64Array(cap);
      next.set(from);
      return next;
    };
    this.a = widen(this.a);
    this.b = widen(this.b);
    this.c = widen(this.c);
    this.exp = widen(this.exp);
    const tbl = new Uint16Array(cap);
    tbl.set(this.tbl);
    this.tbl = tbl;
  }

  /** Reclaims expired counters among the next `count` slots. */
  sweep(count: number): number {
    const now = this.now();
    let reclaimed = 0;
    const n = Math.min(count, this.used);
    for (let k = 0; k < n; k++) {
      if (this.cursor >= this.used) this.cursor = 0;
      const slot = this.cursor++;
      if (this.ids[slot] !== undefined && this.exp[slot]! <= now) {
        this.release(slot);
        this.free.push(slot);
        reclaimed++;
      }
    }
    return reclaimed;
  }

  async read(key: string, _tag: string, now: number): Promise<CounterReading[]> {
    const out: CounterReading[] = [];
    for (const algorithm of ALGOS) {
      for (const seconds of Object.values(UNIT_SECONDS)) {
        const windowMs = seconds * 1000;
        const slot = this.table(algorithm, windowMs, false)?.map.get(key);
        if (slot === undefined || this.exp[slot]! <= now) continue;
        if (algorithm === 'gcra') {
          out.push({ key, algorithm, windowMs, count: Math.max(0, this.a[slot]! - now) / windowMs, resetMs: Math.ceil(this.a[slot]! - now) });
          continue;
        }
        const ws = windowStart(now, windowMs);
        const count = this.a[slot] === ws ? this.b[slot]! : 0;
        out.push({ key, algorithm, windowMs, count, resetMs: ws + windowMs - now });
      }
    }
    return out;
  }

  async reset(key: string): Promise<number> {
    let removed = 0;
    for (const algorithm of ALGOS) {
      for (const seconds of Object.values(UNIT_SECONDS)) {
        const slot = this.table(algorithm, seconds * 1000, false)?.map.get(key);
        if (slot === undefined) continue;
        this.release(slot);
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
