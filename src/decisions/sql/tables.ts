/** Table names and the schema migrations of the SQL stores (one list, rendered per dialect). */
import { HIST_BUCKETS } from '../histogram.js';
import { V4_PREFIX } from '../query.js';

export interface TableNames {
  decisions: string;
  rules: string;
  rollupMinute: string;
  rollupHour: string;
  version: string;
  /** Prefix of index names. */
  prefix: string;
  /** What qualifies an index name in DROP INDEX: the schema in PostgreSQL, nothing in SQLite. */
  indexSchema: string;
  /** Name used for advisory locks (PostgreSQL). */
  lockName: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

export function sqliteTables(): TableNames {
  return {
    decisions: 'decisions',
    rules: 'decisions_rules',
    rollupMinute: 'decisions_rollup_1m',
    rollupHour: 'decisions_rollup_1h',
    version: 'decisions_schema',
    prefix: 'decisions',
    indexSchema: '',
    lockName: 'portcullis:decisions',
  };
}

export function pgTables(schema: string, table: string): TableNames {
  if (!IDENT.test(schema) || !IDENT.test(table)) throw new Error('decisions.postgres: schema and table must be plain identifiers');
  const q = (name: string) => `"${schema}"."${name}"`;
  return {
    decisions: q(table),
    rules: q(`${table}_rules`),
    rollupMinute: q(`${table}_rollup_1m`),
    rollupHour: q(`${table}_rollup_1h`),
    version: q(`${table}_schema`),
    prefix: table,
    indexSchema: `"${schema}".`,
    lockName: `portcullis:${schema}.${table}`,
  };
}

export const HIST_COLUMNS = Array.from({ length: HIST_BUCKETS }, (_, i) => `h${i}`);

/** Rollup granularities, coarsest first: a stats window is answered from hours, then minutes, then raw edges. */
export const ROLLUP_LEVELS = [3_600_000, 60_000] as const;

export function rollupTable(t: TableNames, level: number): string {
  return level === 3_600_000 ? t.rollupHour : t.rollupMinute;
}

export const LATEST_VERSION = 5;

/**
 * SQL for the IPv4 address in a column of 32 hex digits as a signed 32-bit integer (two's complement, so that
 * JavaScript holds every address as a small integer), NULL for other addresses. The time index holds it (SQLite);
 * a query reads it from there only when it spells the expression exactly so, for the same column.
 */
export function ipv4Key(col: string): string {
  const at = V4_PREFIX.length;
  const digit = (i: number) => `instr('0123456789abcdef', substr(${col}, ${at + 1 + i}, 1))`;
  // The first digit carries the sign: 8-f stand for -8..-1.
  const terms = [`((${digit(0)} + 7) % 16 - 8) * ${16 ** 7}`, ...Array.from({ length: 7 }, (_, i) => `(${digit(i + 1)} - 1) * ${16 ** (6 - i)}`)];
  return `(CASE WHEN ${col} BETWEEN '${V4_PREFIX}00000000' AND '${V4_PREFIX}ffffffff' THEN ${terms.join(' + ')} END)`;
}

export function versionTableDdl(t: TableNames, dialect: 'sqlite' | 'postgres'): string {
  const big = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return `CREATE TABLE IF NOT EXISTS ${t.version} (component TEXT PRIMARY KEY, version INTEGER NOT NULL, applied_at ${big} NOT NULL)`;
}

/** Statements of each migration, by target version. */
export function migrations(t: TableNames, dialect: 'sqlite' | 'postgres'): Record<number, string[]> {
  const sqlite = dialect === 'sqlite';
  const big = sqlite ? 'INTEGER' : 'BIGINT';
  const seq = sqlite ? 'INTEGER PRIMARY KEY' : 'BIGSERIAL PRIMARY KEY';
  const json = sqlite ? 'TEXT' : 'JSONB';
  // Hex addresses compare byte-wise only under the C collation.
  const ipCollate = sqlite ? '' : ' COLLATE "C"';
  const p = t.prefix;
  // Per-bucket counts fit 32 bits; PostgreSQL sums INTEGER in 64-bit arithmetic but BIGINT in NUMERIC (slow).
  const hist = HIST_COLUMNS.map((h) => `${h} INTEGER NOT NULL DEFAULT 0`).join(', ');
  const rollup = (name: string) =>
    `CREATE TABLE IF NOT EXISTS ${name} (bucket ${big} NOT NULL, type TEXT NOT NULL, route TEXT NOT NULL, code TEXT NOT NULL, verdict TEXT NOT NULL, n ${big} NOT NULL, ${hist}, PRIMARY KEY (bucket, type, route, code, verdict))${sqlite ? ' WITHOUT ROWID' : ''}`;
  return {
    1: [
      `CREATE TABLE IF NOT EXISTS ${t.decisions} (seq ${seq}, id TEXT NOT NULL UNIQUE, ts ${big} NOT NULL, type TEXT NOT NULL, verdict TEXT NOT NULL, status INTEGER, code TEXT, route TEXT NOT NULL, principal TEXT, ip TEXT${ipCollate}, request_id TEXT, latency_us ${big} NOT NULL, latb INTEGER NOT NULL, record ${json} NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS ${p}_ts ON ${t.decisions} (ts)`,
      // Covering for stats grouped by principal or address (replaced in version 2).
      `CREATE INDEX IF NOT EXISTS ${p}_principal ON ${t.decisions} (principal, verdict, latb, ts)`,
      `CREATE INDEX IF NOT EXISTS ${p}_ip ON ${t.decisions} (ip, verdict, latb, ts)`,
      `CREATE INDEX IF NOT EXISTS ${p}_request ON ${t.decisions} (request_id) WHERE request_id IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS ${p}_deny_principal ON ${t.decisions} (principal, ts) WHERE verdict = 'deny' AND principal IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS ${p}_deny_ip ON ${t.decisions} (ip, ts) WHERE verdict = 'deny' AND ip IS NOT NULL`,
      `CREATE TABLE IF NOT EXISTS ${t.rules} (rule_id TEXT NOT NULL, ts ${big} NOT NULL, decision_id TEXT NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS ${p}_rules_rule ON ${t.rules} (rule_id, ts)`,
      `CREATE INDEX IF NOT EXISTS ${p}_rules_ts ON ${t.rules} (ts)`,
      rollup(t.rollupMinute),
      rollup(t.rollupHour),
    ],
    // Principal and address indexes keyed (value, ts, ...) rather than (value, verdict, latb, ts): a commit then
    // touches one index page per distinct value, not one per value, verdict and latency bucket. Still covering.
    2: [
      `DROP INDEX IF EXISTS ${t.indexSchema}${p}_principal`,
      `DROP INDEX IF EXISTS ${t.indexSchema}${p}_ip`,
      `CREATE INDEX IF NOT EXISTS ${p}_principal_ts ON ${t.decisions} (principal, ts, verdict, latb)`,
      `CREATE INDEX IF NOT EXISTS ${p}_ip_ts ON ${t.decisions} (ip, ts, verdict, latb)`,
    ],
    // Records without a principal (anonymous traffic, often most of it) leave the principal index: a filter by
    // principal still uses it, and stats by principal count the anonymous group as the total minus the rest.
    3: [
      `DROP INDEX IF EXISTS ${t.indexSchema}${p}_principal_ts`,
      `CREATE INDEX IF NOT EXISTS ${p}_principal_known ON ${t.decisions} (principal, ts, verdict, latb) WHERE principal IS NOT NULL`,
    ],
    // One append-only index in place of all those that each insert wrote at a scattered place (by address, by
    // principal, by request id, and the denied ones): a commit rewrites every page it touched, and an index keyed
    // by a value touches a page per distinct value, so these cost more per record than the table itself.
    // Records of one second share their ts, so seq, next in the key, keeps the entries in insertion order.
    // Lists and stats by address, principal or request id scan it within their time window instead of seeking.
    4: [
      `CREATE INDEX IF NOT EXISTS ${p}_time ON ${t.decisions} (ts, seq, verdict, latb, ip, principal, request_id)`,
      ...['ts', 'ip_ts', 'principal_known', 'request', 'deny_ip', 'deny_principal'].map((name) => `DROP INDEX IF EXISTS ${t.indexSchema}${p}_${name}`),
    ],
    // The IPv4 client address also as an integer, in the time index only: SQLite's stats group records in a
    // JavaScript aggregate, which counts a million integer keys in half the time of as many address strings (see
    // sqlite-aggregates.ts). An indexed expression, so SQLite's writer computes it, requests hand over the same
    // rows as before, and records stored earlier have it once the index is rebuilt (about 2-3 s for a million
    // records, once). PostgreSQL groups by the text and needs nothing.
    5: sqlite
      ? [`DROP INDEX IF EXISTS ${p}_time`, `CREATE INDEX ${p}_time ON ${t.decisions} (ts, seq, verdict, latb, ip, ${ipv4Key('ip')}, principal, request_id)`]
      : [],
  };
}
