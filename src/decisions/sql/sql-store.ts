/**
 * The decision store over SQL, written once for SQLite and PostgreSQL: schema migrations with a version table,
 * batched inserts that also maintain per-minute and per-hour rollups, queries, stats and retention.
 */
import { addressText, type DecisionFilter, type StatsDimension, type StatsQuery } from '../query.js';
import type { DecisionRecord } from '../record.js';
import type { DecisionStats, DecisionStore, StatsGroup } from '../store.js';
import type { SqlExecutor, SqlStep } from './executor.js';
import { PgExecutor, runSteps } from './pg-executor.js';
import type { GroupKey, OnePassStats } from './sqlite-aggregates.js';
import { DECISION_COLUMNS, DECISION_TYPES, RULE_COLUMNS, RULE_TYPES, RollupDeltas, rowFacts, type EncodedRecord, type RollupFacts } from './rows.js';
import { FOREVER, Groups, alias, rawDim, splitWindow, summarize } from './stats-parts.js';
import { HIST_COLUMNS, LATEST_VERSION, ROLLUP_LEVELS, ipv4Key, migrations, rollupTable, versionTableDdl, type TableNames } from './tables.js';

const ROLLUP_KEY = ['bucket', 'type', 'route', 'code', 'verdict'];
const ROLLUP_COLUMNS = [...ROLLUP_KEY, 'n', ...HIST_COLUMNS];
const ROLLUP_TYPES = ['int8', 'text', 'text', 'text', 'text', 'int8', ...HIST_COLUMNS.map(() => 'int4')];
const RETENTION_CHUNK = 5000;
const RETENTION_MAX_CHUNKS = 50;

export interface RetentionResult {
  deleted: number;
  /** Approximate rows kept (from the sequence range). */
  rows: number;
  /** True when more is due than one pass deletes; run again soon. */
  more: boolean;
}

/**
 * Denied decisions per value of one stats dimension, from a grouping by it that may still be running (asked for
 * only when needed, so a failed grouping is never left unawaited).
 */
interface DeniedCounts {
  dim: StatsDimension;
  counts: () => Promise<Array<{ v: GroupKey; n: number }>>;
}

const NO_DENIED: DecisionStats['topDenied'] = { principals: [], clientIps: [] };

// A client address as SQLite's stats group it: IPv4 as an integer (from the time index), others as hex digits.
const IP_KEY = `coalesce(${ipv4Key('d.ip')}, d.ip)`;

/** A stats answer before its window and timing are added. */
interface StatsAnswer {
  total: StatsGroup;
  groups: StatsGroup[];
  groupsTotal: number;
  topDenied: DecisionStats['topDenied'];
}

export class StoreSchemaError extends Error {
  override name = 'StoreSchemaError';
}

export class SqlDecisionStore implements DecisionStore {
  readonly kind: 'sqlite' | 'postgres';
  private readonly rollupTail: Map<number, string>;
  /** Rollup deltas of the records appended since the last commit. */
  private openDeltas = new RollupDeltas();

  private constructor(private readonly ex: SqlExecutor, private readonly t: TableNames) {
    this.kind = ex.dialect;
    this.rollupTail = new Map(
      ROLLUP_LEVELS.map((level) => [level, `ON CONFLICT (${ROLLUP_KEY.join(', ')}) DO UPDATE SET ${['n', ...HIST_COLUMNS].map((c) => `${c} = r.${c} + excluded.${c}`).join(', ')}`]),
    );
  }

  /** Opens the store: creates or migrates the schema, or (read-only) checks its version. */
  static async open(ex: SqlExecutor, t: TableNames, opts: { readonly?: boolean } = {}): Promise<SqlDecisionStore> {
    const store = new SqlDecisionStore(ex, t);
    if (opts.readonly) await store.checkVersion();
    else {
      await store.migrate();
      await store.optimize();
    }
    return store;
  }

  /** Refreshes the planner's statistics (sampled, so cheap); run at open and every few retention passes. */
  async optimize(): Promise<void> {
    if (this.ex.dialect === 'sqlite') await this.ex.exec('PRAGMA analysis_limit = 400; PRAGMA optimize = 0x10002;');
    else await this.ex.exec(`ANALYZE ${this.t.decisions}, ${this.t.rules}, ${this.t.rollupMinute}, ${this.t.rollupHour}`);
  }

  private async tableExists(name: string): Promise<boolean> {
    if (this.ex.dialect === 'sqlite') {
      const rows = await this.ex.all(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`, [name]);
      return rows.length > 0;
    }
    const rows = await this.ex.all<{ r: string | null }>(`SELECT to_regclass(?)::text AS r`, [name]);
    return rows[0]?.r != null;
  }

  private async currentVersion(): Promise<number | undefined> {
    if (!(await this.tableExists(this.t.version))) return undefined;
    const rows = await this.ex.all<{ version: number }>(`SELECT version FROM ${this.t.version} WHERE component = ?`, ['decisions']);
    return rows[0]?.version;
  }

  private async checkVersion(): Promise<void> {
    const v = await this.currentVersion();
    if (v === undefined) throw new StoreSchemaError('not a portcullis decision store (no schema version table)');
    if (v !== LATEST_VERSION) throw new StoreSchemaError(`decision store schema is version ${v}; this portcullis reads version ${LATEST_VERSION} (start the server once to migrate it)`);
  }

  private async migrate(): Promise<void> {
    const steps = migrations(this.t, this.ex.dialect);
    const plan = async (current: number | undefined, foreign: boolean): Promise<string[]> => {
      if (current === undefined && foreign) throw new StoreSchemaError(`a table ${this.t.decisions} exists that portcullis did not create; refusing to use it`);
      const from = current ?? 0;
      if (from > LATEST_VERSION) throw new StoreSchemaError(`decision store schema is version ${from}, newer than this portcullis (${LATEST_VERSION})`);
      const out: string[] = [];
      for (let v = from + 1; v <= LATEST_VERSION; v++) out.push(...steps[v]!);
      return out;
    };
    const stamp = `INSERT INTO ${this.t.version} (component, version, applied_at) VALUES ('decisions', ${LATEST_VERSION}, ${Date.now()}) ON CONFLICT (component) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at`;
    if (this.ex instanceof PgExecutor) {
      // Replicas starting together: one migrates, the others wait on the lock and then find nothing to do.
      const schema = this.t.decisions.split('.')[0]!;
      await this.ex.tx(async (q) => {
        await q(`SELECT pg_advisory_xact_lock(hashtext(?))`, [`${this.t.lockName}:migrate`]);
        await q(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await q(versionTableDdl(this.t, 'postgres'));
        const cur = (await q<{ version: number }>(`SELECT version FROM ${this.t.version} WHERE component = ?`, ['decisions']))[0]?.version;
        const foreign = cur === undefined && (await q<{ r: string | null }>(`SELECT to_regclass(?)::text AS r`, [this.t.decisions]))[0]?.r != null;
        const todo = await plan(cur, foreign);
        for (const sql of todo) await q(sql);
        if (todo.length > 0) await q(stamp);
      });
      return;
    }
    const cur = await this.currentVersion();
    const foreign = cur === undefined && (await this.tableExists(this.t.decisions));
    const todo = await plan(cur, foreign);
    if (todo.length === 0) return;
    await this.ex.batch([{ sql: versionTableDdl(this.t, 'sqlite') }, ...todo.map((sql) => ({ sql })), { sql: stamp }]);
  }

  /** Inserts a batch in one transaction, rollups included. */
  async write(batch: readonly EncodedRecord[]): Promise<void> {
    if (batch.length === 0) return;
    const deltas = new RollupDeltas();
    await this.ex.batch([...this.insertSteps(batch, deltas), ...this.rollupSteps(deltas)]);
  }

  /** True when records can be appended to an open transaction and committed later (SQLite). */
  get streams(): boolean {
    return this.ex.append !== undefined;
  }

  /**
   * Adds records to the open write transaction (SQLite); their rollups are written, and all of it made durable,
   * at the next commit(). An error aborts the whole transaction; commit() then rejects.
   */
  append(batch: readonly EncodedRecord[]): void {
    if (batch.length > 0) this.ex.append!(this.insertSteps(batch, this.openDeltas));
  }

  /** Commits what append() added since the last commit, with its rollups. */
  commit(): Promise<void> {
    const steps = this.rollupSteps(this.openDeltas);
    this.openDeltas = new RollupDeltas();
    return this.ex.commit!(steps);
  }

  /** The inserts of a batch; its rollup facts are added to `deltas`. */
  private insertSteps(batch: readonly EncodedRecord[], deltas: RollupDeltas): SqlStep[] {
    const rows: unknown[][] = [];
    const rules: unknown[][] = [];
    for (const e of batch) {
      rows.push(e.row);
      const facts = rowFacts(e.row);
      deltas.add(facts, 1);
      if (e.ruleIds) for (const id of e.ruleIds) rules.push([id, facts.ts, e.row[0]]);
    }
    const pg = this.kind === 'postgres';
    const steps: SqlStep[] = [{ insert: this.t.decisions, columns: DECISION_COLUMNS, rows, tail: 'ON CONFLICT (id) DO NOTHING', types: pg ? DECISION_TYPES : undefined }];
    if (rules.length > 0) steps.push({ insert: this.t.rules, columns: RULE_COLUMNS, rows: rules, types: pg ? RULE_TYPES : undefined });
    return steps;
  }

  private rollupSteps(deltas: RollupDeltas): SqlStep[] {
    const types = this.kind === 'postgres' ? ROLLUP_TYPES : undefined;
    return deltas.rows().filter((l) => l.rows.length > 0).map((l) => ({ insert: `${rollupTable(this.t, l.level)} AS r`, columns: ROLLUP_COLUMNS, rows: l.rows, tail: this.rollupTail.get(l.level)!, types }));
  }

  /** The filter as a WHERE clause, then `and`, conditions of the caller's own (their parameters follow the filter's). */
  private where(f: DecisionFilter, opts: { since?: number; until?: number; skipVerdict?: boolean; skipRule?: boolean; and?: readonly string[] } = {}): { sql: string; params: unknown[] } {
    const c: string[] = [];
    const p: unknown[] = [];
    const since = opts.since ?? f.since;
    const until = opts.until ?? f.until;
    if (since !== undefined) { c.push('d.ts >= ?'); p.push(since); }
    if (until !== undefined && until !== FOREVER) { c.push('d.ts < ?'); p.push(until); }
    if (f.verdict && !opts.skipVerdict) { c.push('d.verdict = ?'); p.push(f.verdict); }
    if (f.type) { c.push('d.type = ?'); p.push(f.type); }
    if (f.route !== undefined) { c.push('d.route = ?'); p.push(f.route); }
    if (f.code !== undefined) { c.push('d.code = ?'); p.push(f.code); }
    if (f.ip) { c.push('d.ip >= ? AND d.ip <= ?'); p.push(f.ip.lo, f.ip.hi); }
    if (f.principal !== undefined) { c.push('d.principal = ?'); p.push(f.principal); }
    if (f.requestId !== undefined) { c.push('d.request_id = ?'); p.push(f.requestId); }
    if (f.ruleId !== undefined && !opts.skipRule) { c.push(`d.id IN (SELECT decision_id FROM ${this.t.rules} WHERE rule_id = ?)`); p.push(f.ruleId); }
    if (opts.and) c.push(...opts.and);
    return { sql: c.length ? `WHERE ${c.join(' AND ')}` : '', params: p };
  }

  async query(f: DecisionFilter): Promise<DecisionRecord[]> {
    if (f.ruleId !== undefined) {
      // Walk the rule's matches newest first and stop at the limit, rather than collecting every match.
      const w = this.where(f, { skipRule: true, and: ['r.rule_id = ?'] });
      const rows = await this.ex.all<{ record: unknown }>(
        `SELECT d.record AS record FROM ${this.t.rules} r JOIN ${this.t.decisions} d ON d.id = r.decision_id ${w.sql} ORDER BY r.ts DESC LIMIT ?`,
        [...w.params, f.ruleId, f.limit],
      );
      return rows.map((r) => parseRecord(r.record));
    }
    const w = this.where(f);
    const rows = await this.ex.all<{ record: unknown }>(`SELECT d.record AS record FROM ${this.t.decisions} d ${w.sql} ORDER BY d.ts DESC LIMIT ?`, [...w.params, f.limit]);
    return rows.map((r) => parseRecord(r.record));
  }

  async get(id: string): Promise<DecisionRecord | undefined> {
    const rows = await this.ex.all<{ record: unknown }>(`SELECT record FROM ${this.t.decisions} WHERE id = ?`, [id]);
    return rows[0] ? parseRecord(rows[0].record) : undefined;
  }

  async stats(q: StatsQuery): Promise<DecisionStats> {
    const started = performance.now();
    const rollupFilters = q.ip === undefined && q.principal === undefined && q.requestId === undefined && q.ruleId === undefined;
    const highCardinality = q.by.includes('principal') || q.by.includes('clientIp');
    const a = !highCardinality
      ? await this.statsByGroups(q, rollupFilters)
      : this.kind === 'sqlite'
        ? await this.statsInOnePass(q)
        : q.by.length === 1
          ? await this.statsByOneValue(q, rollupFilters)
          : await this.statsByGroups(q, false);
    const { key: _k, ...total } = a.total;
    return {
      window: { since: q.since !== undefined ? new Date(q.since).toISOString() : null, until: q.until !== undefined ? new Date(q.until).toISOString() : null },
      by: q.by,
      total,
      groups: a.groups,
      groupsTotal: a.groupsTotal,
      topDenied: a.topDenied,
      source: rollupFilters && !highCardinality ? 'rollup' : 'raw',
      tookMs: Math.round((performance.now() - started) * 10) / 10,
    };
  }

  /** Every group with its histogram, from rollups (plus raw edges) when `useRollup`, else from records. */
  private async statsByGroups(q: StatsQuery, useRollup: boolean): Promise<StatsAnswer> {
    const groups = new Groups(q.by);
    const [, topDenied] = await Promise.all([this.aggregate(q, q.by, groups, useRollup), this.topDenied(q)]);
    return { total: groups.collapse().summaries()[0] ?? summarize({}, 0, 0), groups: groups.summaries(q.limit), groupsTotal: groups.size, topDenied };
  }

  /**
   * Stats by principal or address on SQLite, which groups only by sorting: the aggregate of sqlite-aggregates.ts
   * counts every group in one pass over the time index, while the top denied of the other dimension are counted
   * beside it (on the other query thread).
   */
  private async statsInOnePass(q: StatsQuery): Promise<StatsAnswer> {
    const w = this.where(q);
    const value = (d: StatsDimension) => (d === 'clientIp' ? IP_KEY : rawDim(d));
    const one = q.by.length === 1 ? q.by[0] : undefined;
    // Several dimensions are keyed by a JSON array of their values.
    const key = one ? value(one) : `json_array(${q.by.map((d) => `coalesce(${value(d)}, '')`).join(', ')})`;
    const pass = this.ex
      .all<{ s: string }>(`SELECT portcullis_stats(?, ?, d.latb + CASE WHEN d.verdict = 'deny' THEN 128 ELSE 0 END, ${key}) AS s FROM ${this.t.decisions} d ${w.sql}`, [q.limit, q.top, ...w.params])
      .then(([row]) => JSON.parse(row!.s) as OnePassStats);
    const text = (d: StatsDimension, v: GroupKey) => (d === 'clientIp' && v !== '' ? addressText(v) : String(v));
    const deniedBy = one ? { dim: one, counts: () => pass.then((s) => s.deniedGroups.map(([v, n]) => ({ v, n }))) } : undefined;
    const [s, topDenied] = await Promise.all([pass, this.topDenied(q, deniedBy)]);
    const keyOf = (k: GroupKey) => {
      const values = one ? [k] : (JSON.parse(k as string) as GroupKey[]);
      return Object.fromEntries(q.by.map((d, i) => [d, text(d, values[i]!)]));
    };
    return {
      total: summarize({}, s.total.allow, s.total.deny, s.total.hist),
      groups: s.top.map((g) => summarize(keyOf(g.key), g.allow, g.deny, g.hist)),
      groupsTotal: s.groups,
      topDenied,
    };
  }

  /**
   * Stats by one principal or address (PostgreSQL): every group counted, latency histograms built only for the
   * groups returned, and the total's taken from the rollups when the filters allow. The records without a value
   * (no principal, no address) form one group, counted as the total minus the others.
   */
  private async statsByOneValue(q: StatsQuery, rollupFilters: boolean): Promise<StatsAnswer> {
    const dim = q.by[0]!;
    const col = rawDim(dim);
    const known = this.where(q, { and: [`${col} IS NOT NULL`] });
    const counts = this.ex.all<Record<string, unknown>>(
      `SELECT ${col} AS ${alias(dim)}, COUNT(*) AS n, SUM(CASE WHEN d.verdict = 'deny' THEN 1 ELSE 0 END) AS denied FROM ${this.t.decisions} d ${known.sql} GROUP BY ${col}`,
      known.params,
    );
    // The top denied of this dimension come from these counts; the other dimension's are counted meanwhile.
    const deniedBy = { dim, counts: () => counts.then((rows) => rows.filter((r) => Number(r.denied) > 0).map((r) => ({ v: r[alias(dim)] as string, n: Number(r.denied) }))) };
    const grouped = async (): Promise<Omit<StatsAnswer, 'topDenied'>> => {
      const groups = new Groups(q.by);
      const total = new Groups([]);
      const [rows] = await Promise.all([counts, this.aggregate(q, [], total, rollupFilters)]);
      const all = total.sole();
      let allow = all.allow;
      let deny = all.deny;
      for (const r of rows) {
        const n = Number(r.n);
        const denied = Number(r.denied);
        groups.addCounts(r, n - denied, denied);
        allow -= n - denied;
        deny -= denied;
      }
      if (allow + deny > 0) groups.addCounts({}, allow, deny);
      const top = groups.top(q.limit);
      const values = top.map((g) => g.raw[0]).filter((v) => v !== null);
      const hists: Array<Promise<unknown>> = [];
      if (values.length > 0) {
        hists.push(
          this.ex
            .all<Record<string, unknown>>(
              `SELECT ${col} AS ${alias(dim)}, d.latb AS latb, COUNT(*) AS n FROM ${this.t.decisions} d ${known.sql} AND ${col} IN (${values.map(() => '?').join(', ')}) GROUP BY ${col}, d.latb`,
              [...known.params, ...values],
            )
            .then((rows) => rows.forEach((r) => groups.addHist(r, Number(r.latb), Number(r.n)))),
        );
      }
      if (top.some((g) => g.raw[0] === null)) {
        // The time index covers both columns: the records without a value are read directly.
        const valueless = this.where(q, { and: [`${col} IS NULL`] });
        hists.push(
          this.ex
            .all<{ latb: number; n: number }>(`SELECT d.latb AS latb, COUNT(*) AS n FROM ${this.t.decisions} d ${valueless.sql} GROUP BY d.latb`, valueless.params)
            .then((rows) => rows.forEach((r) => groups.addHist({}, Number(r.latb), Number(r.n)))),
        );
      }
      await Promise.all(hists);
      return { total: total.summaries()[0] ?? summarize({}, 0, 0), groups: groups.summaries(q.limit), groupsTotal: groups.size };
    };
    const [answer, topDenied] = await Promise.all([grouped(), this.topDenied(q, deniedBy)]);
    return { ...answer, topDenied };
  }

  /** Counts and latency histograms by `dims` (and verdict), from rollups plus raw edges when allowed, else records. */
  private async aggregate(q: StatsQuery, dims: StatsDimension[], groups: Groups, useRollup: boolean): Promise<void> {
    const from = q.since ?? 0;
    const to = q.until ?? FOREVER;
    const segments = useRollup ? splitWindow(from, to, 0) : [{ level: 0, from, to }];
    await Promise.all(
      segments.map(async (s) => {
        if (s.level === 0) {
          const cols = dims.map((d) => rawDim(d));
          const w = this.where(q, { since: s.from, until: s.to });
          const rows = await this.ex.all<Record<string, unknown>>(
            `SELECT ${[...cols.map((c, i) => `${c} AS ${alias(dims[i]!)}`), 'd.verdict AS verdict', 'd.latb AS latb', 'COUNT(*) AS n'].join(', ')} FROM ${this.t.decisions} d ${w.sql} GROUP BY ${[...cols, 'd.verdict', 'd.latb'].join(', ')}`,
            w.params,
          );
          for (const r of rows) groups.add(r, Number(r.n), Number(r.latb));
          return;
        }
        const c = ['bucket >= ?', 'bucket < ?'];
        const p: unknown[] = [s.from, s.to];
        if (q.verdict) { c.push('verdict = ?'); p.push(q.verdict); }
        if (q.type) { c.push('type = ?'); p.push(q.type); }
        if (q.route !== undefined) { c.push('route = ?'); p.push(q.route); }
        if (q.code !== undefined) { c.push('code = ?'); p.push(q.code); }
        const sel = [...dims.map((d) => `${d} AS ${alias(d)}`), 'verdict', 'SUM(n) AS n', ...HIST_COLUMNS.map((h) => `SUM(${h}) AS ${h}`)];
        const rows = await this.ex.all<Record<string, unknown>>(
          `SELECT ${sel.join(', ')} FROM ${rollupTable(this.t, s.level)} WHERE ${c.join(' AND ')} GROUP BY ${[...dims, 'verdict'].join(', ')}`,
          p,
        );
        for (const r of rows) groups.addRollup(r);
      }),
    );
  }

  /** The principals and addresses denied most; `known` holds one dimension's denied counts when stats grouped by it. */
  private async topDenied(q: StatsQuery, known?: DeniedCounts): Promise<DecisionStats['topDenied']> {
    if (q.verdict === 'allow') return NO_DENIED;
    // Both come from the time index, which covers verdict, address and principal.
    const top = async (dim: StatsDimension): Promise<Array<{ v: GroupKey; n: number }>> => {
      if (known?.dim === dim) return (await known.counts()).sort((a, b) => b.n - a.n || (a.v < b.v ? -1 : a.v > b.v ? 1 : 0)).slice(0, q.top);
      const col = rawDim(dim);
      const w = this.where(q, { skipVerdict: true, and: ["d.verdict = 'deny'", `${col} IS NOT NULL`] });
      return this.ex.all<{ v: string; n: number }>(`SELECT ${col} AS v, COUNT(*) AS n FROM ${this.t.decisions} d ${w.sql} GROUP BY ${col} ORDER BY n DESC, v LIMIT ?`, [...w.params, q.top]);
    };
    const [principals, ips] = await Promise.all([top('principal'), top('clientIp')]);
    return {
      principals: principals.map((r) => ({ principal: String(r.v), count: Number(r.n) })),
      clientIps: ips.map((r) => ({ clientIp: addressText(r.v), count: Number(r.n) })),
    };
  }

  /** Approximate row count from the sequence range (O(log n)); exact when rows are only removed oldest first. */
  async approxRows(): Promise<number> {
    const r = (await this.ex.all<{ lo: number | null; hi: number | null }>(`SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM ${this.t.decisions}`))[0];
    return r && r.lo != null && r.hi != null ? Number(r.hi) - Number(r.lo) + 1 : 0;
  }

  /** Bytes of the SQLite file's pages in use (deleted records' pages are free, and reused); undefined in PostgreSQL. */
  async usedBytes(): Promise<number | undefined> {
    if (this.kind !== 'sqlite') return undefined;
    const r = await this.ex.all<{ bytes: number }>('SELECT (c.page_count - f.freelist_count) * s.page_size AS bytes FROM pragma_page_count() c, pragma_freelist_count() f, pragma_page_size() s');
    return Number(r[0]?.bytes ?? 0);
  }

  /**
   * Deletes records older than `maxAgeMs` and beyond the newest `maxRows`, oldest first, in chunks, subtracting
   * them from the rollups in the same transaction so stats stay exact. With `maxBytes` (SQLite), a file whose pages
   * in use exceed it keeps as many of the newest records as fit, by its bytes per record, less 5% so that one pass
   * brings it under rather than every pass shaving a little.
   */
  async retain(now: number, maxAgeMs: number, maxRows: number, maxBytes?: number): Promise<RetentionResult> {
    let cutoff = now - maxAgeMs;
    const est = await this.approxRows();
    let keep = maxRows;
    if (maxBytes !== undefined && est > 0) {
      const used = await this.usedBytes();
      if (used !== undefined && used > maxBytes) keep = Math.min(keep, Math.floor(est * (maxBytes / used) * 0.95));
    }
    if (est > keep) {
      const r = await this.ex.all<{ ts: number }>(`SELECT ts FROM ${this.t.decisions} ORDER BY ts DESC LIMIT 1 OFFSET ?`, [keep]);
      if (r[0]) cutoff = Math.max(cutoff, Number(r[0].ts) + 1);
    }
    let deleted = 0;
    let more = false;
    for (let i = 0; ; i++) {
      if (i === RETENTION_MAX_CHUNKS) {
        more = true;
        break;
      }
      const n = await this.retainChunk(cutoff);
      deleted += n;
      if (n < RETENTION_CHUNK) break;
    }
    return { deleted, rows: deleted > 0 ? await this.approxRows() : est, more };
  }

  private async retainChunk(cutoff: number): Promise<number> {
    const deltas = new RollupDeltas();
    const cleanup = (maxTs: number): SqlStep[] => [
      ...ROLLUP_LEVELS.map((level) => ({ sql: `DELETE FROM ${rollupTable(this.t, level)} WHERE bucket <= ? AND n <= 0`, params: [maxTs] })),
      // Strictly older: rule rows of records sharing the chunk's last millisecond wait for the next chunk.
      { sql: `DELETE FROM ${this.t.rules} WHERE ts < ?`, params: [maxTs] },
    ];
    if (this.ex instanceof PgExecutor) {
      return this.ex.tx(async (q) => {
        await q(`SELECT pg_advisory_xact_lock(hashtext(?))`, [`${this.t.lockName}:retention`]);
        const rows = await q<RollupFacts>(
          `DELETE FROM ${this.t.decisions} WHERE seq IN (SELECT seq FROM ${this.t.decisions} WHERE ts < ? ORDER BY ts LIMIT ${RETENTION_CHUNK}) RETURNING ts, type, route, code, verdict, latb`,
          [cutoff],
        );
        if (rows.length === 0) return 0;
        let maxTs = 0;
        for (const r of rows) {
          deltas.add({ ...r, ts: Number(r.ts), latb: Number(r.latb) }, -1);
          maxTs = Math.max(maxTs, Number(r.ts));
        }
        await runSteps(q, [...this.rollupSteps(deltas), ...cleanup(maxTs)]);
        return rows.length;
      });
    }
    const rows = await this.ex.all<RollupFacts & { seq: number }>(
      `SELECT seq, ts, type, route, code, verdict, latb FROM ${this.t.decisions} WHERE ts < ? ORDER BY ts LIMIT ${RETENTION_CHUNK}`,
      [cutoff],
    );
    if (rows.length === 0) return 0;
    let maxTs = 0;
    for (const r of rows) {
      deltas.add(r, -1);
      maxTs = Math.max(maxTs, r.ts);
    }
    await this.ex.batch([
      ...this.rollupSteps(deltas),
      ...cleanup(maxTs),
      { sql: `DELETE FROM ${this.t.decisions} WHERE seq IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(rows.map((r) => r.seq))] },
    ]);
    return rows.length;
  }

  async close(): Promise<void> {
    await this.ex.close();
  }
}

function parseRecord(v: unknown): DecisionRecord {
  return (typeof v === 'string' ? JSON.parse(v) : v) as DecisionRecord;
}
