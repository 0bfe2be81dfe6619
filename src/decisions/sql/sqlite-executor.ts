/**
 * SQLite through better-sqlite3 on worker threads. better-sqlite3 is synchronous; running it on threads of its
 * own keeps inserts, index maintenance and stats scans off the event loop that answers Envoy. One thread writes;
 * queries go to two others, each with a read-only connection of its own, so a long query delays no commit and
 * the parts of one stats answer run side by side on two cores. The workers are generic statement runners (plus
 * the aggregate function of sqlite-aggregates.ts); all SQL is built on the main thread.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { HIST_BUCKETS } from '../histogram.js';
import type { SqlExecutor, SqlStep } from './executor.js';
import { sqliteAggregates } from './sqlite-aggregates.js';

// Plain CommonJS so it runs in an eval worker both from source (tests) and from the build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
// One connection per thread: the writer's, or a reader's.
let db;
const stmts = new Map();
function prep(sql) { let s = stmts.get(sql); if (!s) { s = db.prepare(sql); stmts.set(sql, s); } return s; }
function insertSql(st) {
  return 'INSERT INTO ' + st.insert + ' (' + st.columns.join(', ') + ') VALUES (' + st.columns.map(() => '?').join(', ') + ')' + (st.tail ? ' ' + st.tail : '');
}
// Writes and queries yield the CPU to the thread answering Envoy: on Linux a thread has its own nice value (its id
// is the last part of /proc/thread-self), and a lower priority lets a long transaction or scan run in the gaps
// between requests instead of stalling them. Elsewhere this fails quietly and the thread keeps the process priority.
function lowerPriority(nice) {
  try { require('node:os').setPriority(Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()), nice); } catch {}
}
function runSteps(steps) {
  for (const st of steps) {
    if (st.sql !== undefined) { prep(st.sql).run(...(st.params || [])); continue; }
    const s = prep(insertSql(st));
    for (const r of st.rows) s.run(...r);
  }
}
// The write transaction appends go into: open until commit, so the rows of many messages share one commit and
// none of them waits in memory (on either thread) for a batch to fill.
let open = false;
let aborted;
function begin() { if (!open) { db.exec('BEGIN IMMEDIATE'); open = true; } }
function rollback() { open = false; if (db.inTransaction) db.exec('ROLLBACK'); }
const ops = {
  open(m) {
    if (m.nice) lowerPriority(m.nice);
    db = new Database(m.file, { readonly: m.readonly, fileMustExist: m.readonly, timeout: m.busyTimeoutMs });
    for (const p of m.pragmas) db.pragma(p);
    for (const f of m.aggregates) db.aggregate(f.name, new Function('return ' + f.source)()(...f.args));
    return null;
  },
  exec(m) { db.exec(m.sql); return null; },
  all(m) {
    const s = prep(m.sql);
    if (s.reader) return s.all(...m.params);
    s.run(...m.params);
    return [];
  },
  // Inside an open append transaction this nests as a savepoint and commits with it.
  batch(m) { db.transaction(() => runSteps(m.steps)).immediate(); return null; },
  append(m) {
    if (aborted) return null;
    try { begin(); runSteps(m.steps); }
    catch (e) { aborted = e; try { rollback(); } catch {} }
    return null;
  },
  commit(m) {
    const e = aborted;
    aborted = undefined;
    if (e) throw e;
    try {
      if (m.steps.length > 0) { begin(); runSteps(m.steps); }
      if (open) { db.exec('COMMIT'); open = false; }
    } catch (err) { try { rollback(); } catch {} throw err; }
    return null;
  },
  close() {
    if (db) {
      try { if (open) db.exec('COMMIT'); } catch {}
      if (!db.readonly) try { db.pragma('optimize'); } catch {}
      db.close();
    }
    db = undefined;
    return null;
  },
};
parentPort.on('message', (m) => {
  let reply;
  try { reply = { id: m.id, ok: true, result: ops[m.op](m) }; }
  catch (e) { reply = { id: m.id, ok: false, message: String((e && e.message) || e), code: e && e.code }; }
  // Appends (id 0) are not answered: their errors surface at the next commit.
  if (m.id !== 0) parentPort.postMessage(reply);
});
`;

// 16 KiB pages (a new file only; an existing store keeps its own): a batch's records fill a quarter as many table
// pages, and each commit writes fewer of them; measured about 1.5 µs less per record than 4 KiB. It must be set
// before the WAL is, while the file is still empty.
const PAGE_SIZE_PRAGMA = 'page_size = 16384';
// Checkpoint every 2,500 pages (40 MB) rather than SQLite's 1,000: index pages that many batches touch are copied
// into the database once per checkpoint, not once per few batches; the WAL is truncated back to 64 MB after.
const WAL_PRAGMAS = ['wal_autocheckpoint = 2500', 'journal_size_limit = 67108864'];

// Queries read through connections of their own. SQLite's sorter keeps as much in memory as the page cache holds:
// runs of 4 MB merged by two threads sorted a million records in 0.35 s, against 0.7 s in one 32 MB run, and left
// the writer's cache alone. Larger sorts spill to temporary files (the system temp directory), measured twice as
// fast as temp_store = MEMORY.
const QUERY_PRAGMAS = ['query_only = ON', 'cache_size = -4000', 'threads = 2'];

// Query threads: two, so that the independent parts of one stats answer run on two cores.
const READERS = 2;

// Low enough that requests win the CPU, high enough that the writer keeps up when requests use all of it
// (nice 10 weighs about a tenth of nice 0). Queries run at the same priority: an operator's stats question waits
// for requests, not the other way round.
const BACKGROUND_NICE = 10;

export class SqliteError extends Error {
  constructor(message: string, readonly code: string | undefined) {
    super(message);
    this.name = 'SqliteError';
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export interface SqliteOpenOptions {
  readonly?: boolean;
  busyTimeoutMs?: number;
}

/** One worker thread with one connection: calls are answered in order; a failure ends every call in flight. */
class SqliteThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(driver: string, onFail: (err: Error) => void) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver } });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; ok: boolean; result?: unknown; message?: string; code?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.ok) p.resolve(m.result);
      else p.reject(new SqliteError(m.message ?? 'sqlite error', m.code));
    });
    this.worker.on('error', (err) => onFail(new SqliteError(`sqlite worker failed: ${err.message}`, 'WORKER')));
    this.worker.on('exit', (code) => onFail(new SqliteError(`sqlite worker exited (${code})`, 'WORKER')));
  }

  /** Calls in flight. */
  get busy(): number {
    return this.pending.size;
  }

  call(op: string, msg: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, ...msg });
    });
  }

  /** A message not answered (id 0). */
  post(op: string, msg: Record<string, unknown>): void {
    this.worker.postMessage({ id: 0, op, ...msg });
  }

  failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  /** The thread that writes; absent when read-only. */
  private writer: SqliteThread | undefined;
  /** The threads that query; none in memory, where the writer answers. */
  private readers: SqliteThread[] = [];
  private dead: Error | undefined;

  private constructor() {}

  private get threads(): SqliteThread[] {
    return this.writer ? [this.writer, ...this.readers] : this.readers;
  }

  private spawn(driver: string): SqliteThread {
    return new SqliteThread(driver, (err) => {
      // The first cause wins (a close, then the exit it causes, still reads "closed"); pending calls always end.
      this.dead ??= err;
      for (const t of this.threads) t.failAll(this.dead);
    });
  }

  /** Opens `file` on new workers; rejects with SQLite's own message (e.g. "file is not a database"). */
  static async open(file: string, opts: SqliteOpenOptions = {}): Promise<SqliteExecutor> {
    const ex = new SqliteExecutor();
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const aggregates = sqliteAggregates(HIST_BUCKETS);
    const base = { file, busyTimeoutMs: opts.busyTimeoutMs ?? 2000, aggregates };
    const reader = () => ({ ...base, readonly: true, pragmas: QUERY_PRAGMAS, nice: opts.readonly ? 0 : BACKGROUND_NICE });
    try {
      if (!opts.readonly) {
        ex.writer = ex.spawn(driver);
        const pragmas = [PAGE_SIZE_PRAGMA, 'journal_mode = WAL', 'synchronous = NORMAL', 'cache_size = -32000', ...WAL_PRAGMAS];
        await ex.writer.call('open', { ...base, readonly: false, pragmas, nice: BACKGROUND_NICE });
      }
      // An in-memory database is private to its connection: there, queries go to the writer's.
      if (file !== ':memory:' || opts.readonly) {
        ex.readers = Array.from({ length: READERS }, () => ex.spawn(driver));
        await Promise.all(ex.readers.map((t) => t.call('open', reader())));
      }
    } catch (err) {
      await Promise.all(ex.threads.map((t) => t.terminate()));
      throw err;
    }
    return ex;
  }

  private check(): void {
    if (this.dead) throw this.dead;
  }

  /** The writer; a read-only store has none, and answers what would go to it from a reader (which refuses writes). */
  private writes(): SqliteThread {
    return this.writer ?? this.readers[0]!;
  }

  /** The query thread with the fewest calls in flight (the writer in memory). */
  private reads(): SqliteThread {
    let best = this.readers[0] ?? this.writer!;
    for (const t of this.readers) if (t.busy < best.busy) best = t;
    return best;
  }

  async exec(sql: string): Promise<void> {
    this.check();
    await this.writes().call('exec', { sql });
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    this.check();
    return (await this.reads().call('all', { sql, params })) as T[];
  }

  async batch(steps: readonly SqlStep[]): Promise<void> {
    this.check();
    await this.writes().call('batch', { steps });
  }

  append(steps: readonly SqlStep[]): void {
    // A dead worker answers the next commit with its cause.
    if (!this.dead) this.writes().post('append', { steps });
  }

  async commit(steps: readonly SqlStep[]): Promise<void> {
    this.check();
    await this.writes().call('commit', { steps });
  }

  async close(): Promise<void> {
    if (this.dead) return;
    try {
      // Readers first: the writer's close checkpoints and optimizes with no reader in the way.
      await Promise.all(this.readers.map((t) => t.call('close', {})));
      if (this.writer) await this.writer.call('close', {});
    } finally {
      this.dead = new SqliteError('sqlite store is closed', 'CLOSED');
      await Promise.all(this.threads.map((t) => t.terminate()));
    }
  }
}
