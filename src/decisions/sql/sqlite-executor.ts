/**
 * SQLite through better-sqlite3 on a worker thread. better-sqlite3 is synchronous; running it on its own thread
 * keeps inserts, index maintenance and stats scans off the event loop that answers Envoy. The worker is a
 * generic statement runner; all SQL is built on the main thread.
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
// db writes; queries read through rdb, a second connection with its own cache and sort settings (db itself when
// the store is read-only or in memory).
let db;
let rdb;
const stmts = new Map();
const rstmts = new Map();
function prepOn(conn, cache, sql) { let s = cache.get(sql); if (!s) { s = conn.prepare(sql); cache.set(sql, s); } return s; }
function prep(sql) { return prepOn(db, stmts, sql); }
function insertSql(st) {
  return 'INSERT INTO ' + st.insert + ' (' + st.columns.join(', ') + ') VALUES (' + st.columns.map(() => '?').join(', ') + ')' + (st.tail ? ' ' + st.tail : '');
}
// Writes yield the CPU to the thread answering Envoy: on Linux a thread has its own nice value (its id is the
// last part of /proc/thread-self), and a lower priority lets a long transaction run in the gaps between requests
// instead of stalling them. Elsewhere this fails quietly and the thread keeps the process priority.
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
    rdb = db;
    if (m.queryPragmas) {
      rdb = new Database(m.file, { readonly: true, fileMustExist: true, timeout: m.busyTimeoutMs });
      for (const p of m.queryPragmas) rdb.pragma(p);
    }
    for (const f of m.aggregates) rdb.aggregate(f.name, new Function('return ' + f.source)()(...f.args));
    return null;
  },
  exec(m) { db.exec(m.sql); return null; },
  all(m) {
    const s = rdb === db ? prep(m.sql) : prepOn(rdb, rstmts, m.sql);
    if (s.reader) return s.all(...m.params);
    prep(m.sql).run(...m.params);
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
    if (rdb && rdb !== db) rdb.close();
    rdb = undefined;
    if (db) {
      try { if (open) db.exec('COMMIT'); } catch {}
      try { db.pragma('optimize'); } catch {}
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

// Queries read through a connection of their own. Stats grouped by principal or client IP sort their time window
// (no index is ordered by either), and SQLite's sorter keeps as much in memory as the page cache holds: runs of
// 4 MB merged by two threads sorted a million records in 0.35 s, against 0.7 s in one 32 MB run, and left the
// writer's cache alone. Larger sorts spill to temporary files (the system temp directory), measured twice as
// fast as temp_store = MEMORY.
const QUERY_PRAGMAS = ['cache_size = -4000', 'threads = 2'];

// Low enough that requests win the CPU, high enough that the writer keeps up when requests use all of it
// (nice 10 weighs about a tenth of nice 0).
const WRITER_NICE = 10;

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

export class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | undefined;

  private constructor() {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
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
    const fail = (err: Error) => {
      // The first cause wins (a close, then the exit it causes, still reads "closed"); pending calls always end.
      this.dead ??= err;
      for (const p of this.pending.values()) p.reject(this.dead);
      this.pending.clear();
    };
    this.worker.on('error', (err) => fail(new SqliteError(`sqlite worker failed: ${err.message}`, 'WORKER')));
    this.worker.on('exit', (code) => fail(new SqliteError(`sqlite worker exited (${code})`, 'WORKER')));
  }

  /** Opens `file` on a new worker; rejects with SQLite's own message (e.g. "file is not a database"). */
  static async open(file: string, opts: SqliteOpenOptions = {}): Promise<SqliteExecutor> {
    const ex = new SqliteExecutor();
    const pragmas = opts.readonly ? ['query_only = ON', ...QUERY_PRAGMAS] : [PAGE_SIZE_PRAGMA, 'journal_mode = WAL', 'synchronous = NORMAL', 'cache_size = -32000', ...WAL_PRAGMAS];
    // An in-memory database is private to its connection: there, queries share the writer's.
    const queryPragmas = opts.readonly || file === ':memory:' ? undefined : QUERY_PRAGMAS;
    try {
      await ex.call('open', { file, readonly: opts.readonly === true, busyTimeoutMs: opts.busyTimeoutMs ?? 2000, pragmas, queryPragmas, aggregates: sqliteAggregates(HIST_BUCKETS), nice: opts.readonly ? 0 : WRITER_NICE });
    } catch (err) {
      await ex.worker.terminate();
      throw err;
    }
    return ex;
  }

  private call(op: string, msg: Record<string, unknown>): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, ...msg });
    });
  }

  async exec(sql: string): Promise<void> {
    await this.call('exec', { sql });
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.call('all', { sql, params })) as T[];
  }

  async batch(steps: readonly SqlStep[]): Promise<void> {
    await this.call('batch', { steps });
  }

  append(steps: readonly SqlStep[]): void {
    // A dead worker answers the next commit with its cause.
    if (!this.dead) this.worker.postMessage({ id: 0, op: 'append', steps });
  }

  async commit(steps: readonly SqlStep[]): Promise<void> {
    await this.call('commit', { steps });
  }

  async close(): Promise<void> {
    if (this.dead) return;
    try {
      await this.call('close', {});
    } finally {
      this.dead = new SqliteError('sqlite store is closed', 'CLOSED');
      await this.worker.terminate();
    }
  }
}
