/**
 * The decision recorder: `record()` is an array push on the request path. Right after (setImmediate, once the
 * answers of the current turn are on their way) the new records are redacted, serialized and turned into rows.
 * When every sink can stream (SQLite, stdout), those rows go straight into the sinks' open transaction, and a
 * commit every `batch` records or `flushMs` makes them durable: rows wait in memory at most STREAM_CHUNK_MS, not
 * a whole batch, so few of them live long enough to be promoted to the old generation. Otherwise (PostgreSQL)
 * they wait in a queue and are written in batches, one batch in flight at a time. Either way what is pending is
 * bounded: what does not fit is dropped and counted (metric, stats, readiness detail), never waited for.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { resolveSecretValue } from '../config/secrets.js';
import { metric } from '../lib/metrics.js';
import type { AuthzRequest } from '../pipeline/types.js';
import { decisionsConfig, type DecisionsConfig } from './config.js';
import { openPgStore, openSqliteStore, scrubUrl } from './open-store.js';
import type { DecisionRecord } from './record.js';
import { compileRedactor } from './redact.js';
import { storeSink, type BatchSink } from './sinks/sink.js';
import { stdoutSink } from './sinks/stdout.js';
import { encodeRecord, type EncodedRecord } from './sql/rows.js';
import type { DecisionStore } from './store.js';

export interface DecisionRecorder {
  /** Queues a record; never blocks, never throws. `source`, when given, lets redaction scrub the request's own secret values. */
  record(rec: DecisionRecord, source?: AuthzRequest): void;
  /** Writes everything queued so far. */
  flush(): Promise<void>;
  /** Flushes, then closes the sinks (SIGTERM). Records after close are dropped and counted. */
  close(): Promise<void>;
  /** Readiness reasons, empty when healthy (e.g. a store that cannot be written). */
  readiness(): string[];
  /** The store queries go to (PostgreSQL when configured, else SQLite), if any. */
  store(): DecisionStore | undefined;
  stats(): RecorderStats;
}

export interface RecorderStats {
  queued: number;
  dropped: number;
  written: number;
  /** Drops by reason: queue_full, sink_error, encode_error, invalid, closed. */
  droppedBy: Record<string, number>;
}

export interface RecorderOptions {
  policyDir: string;
  logger: Logger;
  metrics: Registry;
  /** Where NDJSON goes when `stdout: true` (default process.stdout). */
  stdout?: NodeJS.WritableStream;
}

// Streaming hands records to the sinks in chunks of this many, or after this long: each chunk is one message to
// the SQLite thread (a message per turn costs more than it saves), and few rows wait long enough for the young
// generation's collector to copy them twice.
const STREAM_CHUNK = 512;
const STREAM_CHUNK_MS = 50;

function recorderMetrics(registry: Registry) {
  return {
    written: metric(registry, 'portcullis_decision_records_written_total', () => new Counter({ name: 'portcullis_decision_records_written_total', help: 'Decision records written, by sink.', labelNames: ['sink'], registers: [registry] })),
    dropped: metric(registry, 'portcullis_decision_records_dropped_total', () => new Counter({ name: 'portcullis_decision_records_dropped_total', help: 'Decision records dropped, by reason (queue_full, sink_error, encode_error, invalid, closed).', labelNames: ['reason'], registers: [registry] })),
    queue: metric(registry, 'portcullis_decision_queue_depth', () => new Gauge({ name: 'portcullis_decision_queue_depth', help: 'Decision records waiting to be written.', registers: [registry] })),
    flush: metric(registry, 'portcullis_decision_flush_duration_seconds', () => new Histogram({ name: 'portcullis_decision_flush_duration_seconds', help: 'Time to write one batch, by sink.', labelNames: ['sink'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] })),
    sinkErrors: metric(registry, 'portcullis_decision_sink_errors_total', () => new Counter({ name: 'portcullis_decision_sink_errors_total', help: 'Failed batch writes, by sink.', labelNames: ['sink'], registers: [registry] })),
    rows: metric(registry, 'portcullis_decision_store_rows', () => new Gauge({ name: 'portcullis_decision_store_rows', help: 'Decision records kept in the store (approximate), by store.', labelNames: ['store'], registers: [registry] })),
    retained: metric(registry, 'portcullis_decision_retention_deleted_total', () => new Counter({ name: 'portcullis_decision_retention_deleted_total', help: 'Decision records deleted by retention, by store.', labelNames: ['store'], registers: [registry] })),
  };
}

/** Opens the configured sinks (throwing a clear Error when a store cannot be opened) and starts the recorder. */
export async function createDecisionRecorder(spec: unknown, opts: RecorderOptions): Promise<DecisionRecorder> {
  const cfg = decisionsConfig(spec, opts.policyDir);
  const sinks: BatchSink[] = [];
  try {
    if (cfg.sqlite) sinks.push(storeSink('sqlite', await openSqliteStore(cfg.sqlite)));
    if (cfg.postgres) {
      const url = resolveSecretValue(cfg.postgres.url, opts.policyDir);
      try {
        sinks.push(storeSink('postgres', await openPgStore(url, cfg.postgres)));
      } catch (err) {
        throw new Error(scrubUrl((err as Error).message, url));
      }
    }
  } catch (err) {
    await Promise.all(sinks.map((s) => s.close().catch(() => {})));
    throw err;
  }
  if (cfg.stdout) sinks.push(stdoutSink(opts.stdout));
  return new Recorder(cfg, sinks, opts);
}

class Recorder implements DecisionRecorder {
  /** Records not yet encoded, each followed by its request (or undefined). */
  private fresh: Array<DecisionRecord | AuthzRequest | undefined> = [];
  private encoding: NodeJS.Immediate | undefined;
  private queue: EncodedRecord[] = [];
  /** Every sink takes records as they come (append) and makes them durable at commit. */
  private readonly streaming: boolean;
  /**
   * Streaming: records encoded but not yet handed to the sinks (gathered into chunks: a message per turn would
   * cost more than it saves), appended since the last commit began, and in commits not yet answered.
   */
  private staged: EncodedRecord[] = [];
  private stageTimer: NodeJS.Timeout | undefined;
  private uncommitted = 0;
  private committing = 0;
  private commits: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private draining: Promise<void> | undefined;
  private closed = false;
  private written = 0;
  private readonly droppedBy: Record<string, number> = {};
  private readonly failing = new Map<string, string>();
  private readonly m;
  private readonly redactor;
  private retentionTimer: NodeJS.Timeout | undefined;
  private retaining: Promise<void> | undefined;
  private retentionPasses = 0;

  constructor(private readonly cfg: DecisionsConfig, private readonly sinks: BatchSink[], private readonly opts: RecorderOptions) {
    this.m = recorderMetrics(opts.metrics);
    this.redactor = compileRedactor(cfg.redact);
    this.streaming = sinks.length > 0 && sinks.every((s) => s.append && s.commit);
    if (sinks.some((s) => s.store)) {
      this.retentionTimer = setInterval(() => this.runRetention(), cfg.retention.everyMs);
      this.retentionTimer.unref();
      setImmediate(() => this.runRetention());
    }
  }

  record(rec: DecisionRecord, source?: AuthzRequest): void {
    if (this.closed) return this.drop('closed', 1);
    if (this.sinks.length === 0) return;
    if (this.pending() >= this.cfg.queue.max) return this.drop('queue_full', 1);
    this.fresh.push(rec, source);
    this.encoding ??= setImmediate(this.encodeFresh);
  }

  /** Records taken and not yet written: fresh, queued, or appended and not yet committed. */
  private pending(): number {
    return this.fresh.length / 2 + this.queue.length + this.staged.length + this.uncommitted + this.committing;
  }

  /** Encodes the records of this turn, hands them on and schedules their write. */
  private readonly encodeFresh = (): void => {
    if (this.encoding) clearImmediate(this.encoding);
    this.encoding = undefined;
    const fresh = this.fresh;
    this.fresh = [];
    const encoded: EncodedRecord[] = [];
    for (let i = 0; i < fresh.length; i += 2) {
      const e = this.encode(fresh[i] as DecisionRecord, fresh[i + 1] as AuthzRequest | undefined);
      if (e) encoded.push(e);
    }
    if (this.streaming) {
      if (encoded.length === 0) return;
      for (const e of encoded) this.staged.push(e);
      if (this.staged.length >= Math.min(STREAM_CHUNK, this.cfg.queue.batch)) this.appendStaged();
      else if (!this.stageTimer) {
        this.stageTimer = setTimeout(this.appendStaged, Math.min(STREAM_CHUNK_MS, this.cfg.queue.flushMs));
        this.stageTimer.unref();
      }
      return;
    }
    for (const e of encoded) this.queue.push(e);
    if (this.queue.length === 0) return;
    if (this.queue.length >= this.cfg.queue.batch) {
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        void this.drain();
      });
    } else this.later(() => void this.drain());
  };

  /** Runs `fn` after flushMs, unless a write is already due then. */
  private later(fn: () => void): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fn();
    }, this.cfg.queue.flushMs);
    this.timer.unref();
  }

  /** Cancels what later() scheduled (the caller does it now). */
  private cancelLater(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Streaming: hands the staged records to every sink; commits once a batch is in. */
  private readonly appendStaged = (): void => {
    this.handOff();
    if (this.uncommitted >= this.cfg.queue.batch) void this.commit();
    else if (this.uncommitted > 0) this.later(() => void this.commit());
  };

  private handOff(): void {
    if (this.stageTimer) {
      clearTimeout(this.stageTimer);
      this.stageTimer = undefined;
    }
    const chunk = this.staged;
    if (chunk.length === 0) return;
    this.staged = [];
    for (const s of this.sinks) s.append!(chunk);
    this.uncommitted += chunk.length;
  }

  /**
   * Streaming: commits every sink's open transaction. The commits are requested now, so records appended from
   * here on belong to the next one; resolves when they are answered (and counted).
   */
  private commit(): Promise<void> {
    this.cancelLater();
    this.handOff();
    const n = this.uncommitted;
    if (n === 0) return this.commits;
    this.uncommitted = 0;
    this.committing += n;
    const done = Promise.all(this.sinks.map((s) => this.settle(s, s.commit!(), n))).then((ok) => {
      this.committing -= n;
      if (ok.every(Boolean)) this.written += n;
      else this.drop('sink_error', n);
      this.m.queue.set(this.pending());
    });
    this.commits = Promise.all([this.commits, done]).then(() => undefined);
    this.m.queue.set(this.pending());
    return done;
  }

  /** The redacted record and its JSON, or undefined (dropped and counted) when it is malformed or cannot be encoded. */
  private encode(rec: DecisionRecord, source: AuthzRequest | undefined): EncodedRecord | undefined {
    // One malformed record must not fail the transaction that carries the rest of its batch.
    const r = rec as Partial<DecisionRecord> | undefined;
    if (!r || (r.type !== 'check' && r.type !== 'ratelimit') || typeof r.id !== 'string' || r.id.length === 0 || r.id.length > 128 || (r.verdict !== 'allow' && r.verdict !== 'deny')) {
      this.drop('invalid', 1);
      return undefined;
    }
    try {
      const redacted = this.redactor.record(rec, source);
      return encodeRecord(redacted, JSON.stringify(redacted));
    } catch {
      this.drop('encode_error', 1);
      return undefined;
    }
  }

  private drop(reason: string, n: number): void {
    this.droppedBy[reason] = (this.droppedBy[reason] ?? 0) + n;
    this.m.dropped.inc({ reason }, n);
  }

  /** One drain loop at a time; callers share it. */
  private drain(): Promise<void> {
    this.draining ??= this.drainLoop().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.cfg.queue.batch);
      this.m.queue.set(this.queue.length);
      const results = await Promise.all(this.sinks.map((s) => this.writeTo(s, batch)));
      if (results.every(Boolean)) this.written += batch.length;
      else this.drop('sink_error', batch.length);
    }
    this.m.queue.set(0);
  }

  private writeTo(sink: BatchSink, batch: EncodedRecord[]): Promise<boolean> {
    return this.settle(sink, sink.write(batch), batch.length);
  }

  /** Waits for one sink's write of `n` records; counts, times and logs it; true when it succeeded. */
  private async settle(sink: BatchSink, write: Promise<void>, n: number): Promise<boolean> {
    const end = this.m.flush.startTimer({ sink: sink.name });
    try {
      await write;
      end();
      this.m.written.inc({ sink: sink.name }, n);
      if (this.failing.delete(sink.name)) this.opts.logger.info({ sink: sink.name }, 'decision sink recovered');
      return true;
    } catch (err) {
      this.m.sinkErrors.inc({ sink: sink.name });
      const message = (err as Error).message ?? String(err);
      // Log the transition into failure, not every failed batch.
      if (!this.failing.has(sink.name)) this.opts.logger.error({ sink: sink.name, err: message, records: n }, 'decision sink write failed; records dropped');
      this.failing.set(sink.name, message);
      return false;
    }
  }

  private runRetention(): void {
    if (this.retaining || this.closed) return;
    const { maxAgeMs, maxRows, maxBytes } = this.cfg.retention;
    this.retaining = (async () => {
      let again = false;
      for (const s of this.sinks) {
        if (!s.store) continue;
        try {
          const r = await s.store.retain(Date.now(), maxAgeMs, maxRows, maxBytes);
          if (++this.retentionPasses % 20 === 0) await s.store.optimize();
          if (r.deleted > 0) this.m.retained.inc({ store: s.name }, r.deleted);
          this.m.rows.set({ store: s.name }, r.rows);
          again ||= r.more;
        } catch (err) {
          if (!this.closed) this.opts.logger.warn({ store: s.name, err: (err as Error).message }, 'decision retention failed; will retry');
        }
      }
      if (again && !this.closed) setTimeout(() => this.runRetention(), 1000).unref();
    })().finally(() => {
      this.retaining = undefined;
    });
  }

  async flush(): Promise<void> {
    this.encodeFresh();
    if (this.streaming) {
      await this.commit();
      await this.commits;
      return;
    }
    this.cancelLater();
    // A drain in progress may have started before the newest records arrived: loop until empty.
    while (this.draining || this.queue.length > 0) await this.drain();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.immediate) clearImmediate(this.immediate);
    await this.flush();
    await this.retaining;
    await Promise.all(this.sinks.map((s) => s.close().catch((err) => this.opts.logger.warn({ sink: s.name, err: (err as Error).message }, 'closing decision sink failed'))));
  }

  readiness(): string[] {
    return [...this.failing].map(([sink, message]) => `decisions: ${sink} sink failing: ${message}`);
  }

  store(): DecisionStore | undefined {
    const name = this.cfg.query;
    return this.sinks.find((s) => s.name === name)?.store;
  }

  stats(): RecorderStats {
    const dropped = Object.values(this.droppedBy).reduce((a, b) => a + b, 0);
    return { queued: this.pending(), dropped, written: this.written, droppedBy: { ...this.droppedBy } };
  }
}
