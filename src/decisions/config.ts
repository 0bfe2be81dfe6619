/** The `decisions` block as validated data, and its defaults. */
import { isAbsolute, resolve } from 'node:path';
import { parseDuration, parseSize } from '../lib/units.js';
import type { SecretRef } from '../config/types.js';

export interface DecisionsSpec {
  sqlite?: string | false;
  postgres?: { url: SecretRef; schema?: string; table?: string; poolSize?: number };
  stdout?: boolean;
  query?: 'sqlite' | 'postgres';
  retention?: { maxAge?: string | number; maxRows?: number; maxSize?: string | number; every?: string | number };
  queue?: { max?: number; batch?: number; flushMs?: number };
  redact?: RedactSpec;
}

export interface RedactSpec {
  headers?: string[];
  queryParams?: string[];
  bodyFields?: string[];
  descriptorKeys?: string[];
}

export interface DecisionsConfig {
  /** Absolute path of the SQLite file, or undefined when the embedded store is off. */
  sqlite?: string;
  postgres?: { url: SecretRef; schema: string; table: string; poolSize: number };
  stdout: boolean;
  query: 'sqlite' | 'postgres' | undefined;
  /** maxBytes: the SQLite file's pages in use, when capped. */
  retention: { maxAgeMs: number; maxRows: number; maxBytes: number | undefined; everyMs: number };
  queue: { max: number; batch: number; flushMs: number };
  redact: Required<RedactSpec>;
}

export const DEFAULT_SQLITE = './data/decisions.db';
const MIN_SIZE = 1024 * 1024;

/** Applies defaults and resolves paths against the policy folder. The block is already schema-validated. */
export function decisionsConfig(spec: unknown, policyDir: string): DecisionsConfig {
  const s = (spec ?? {}) as DecisionsSpec;
  const sqliteSpec = s.sqlite === undefined ? DEFAULT_SQLITE : s.sqlite;
  const sqlite = sqliteSpec === false ? undefined : isAbsolute(sqliteSpec) || sqliteSpec === ':memory:' ? sqliteSpec : resolve(policyDir, sqliteSpec);
  const postgres = s.postgres
    ? { url: s.postgres.url, schema: s.postgres.schema ?? 'public', table: s.postgres.table ?? 'decisions', poolSize: s.postgres.poolSize ?? 4 }
    : undefined;
  const query = s.query ?? (postgres ? 'postgres' : sqlite ? 'sqlite' : undefined);
  if (query === 'postgres' && !postgres) throw new Error('decisions.query: postgres is not configured');
  if (query === 'sqlite' && !sqlite) throw new Error('decisions.query: sqlite is off');
  // Large transactions: each commit rewrites every index page it touches, so rows per commit set the cost per row.
  const queue = { max: s.queue?.max ?? 50_000, batch: s.queue?.batch ?? 5_000, flushMs: s.queue?.flushMs ?? 1_000 };
  if (queue.batch > queue.max) queue.batch = queue.max;
  const maxBytes = s.retention?.maxSize === undefined ? undefined : parseSize(s.retention.maxSize);
  if (maxBytes !== undefined) {
    // PostgreSQL keeps deleted rows' space until vacuumed, and leaves the disk to its own administration.
    if (!sqlite) throw new Error('decisions.retention.maxSize: caps the SQLite file, and sqlite is off');
    // An empty store's tables and indexes take about 200 KB: a smaller cap would delete every record, every pass.
    if (maxBytes < MIN_SIZE) throw new Error(`decisions.retention.maxSize: at least 1MiB (${MIN_SIZE} bytes), not ${maxBytes}`);
  }
  return {
    sqlite,
    postgres,
    stdout: s.stdout ?? false,
    query,
    retention: {
      maxAgeMs: parseDuration(s.retention?.maxAge ?? '7d'),
      maxRows: s.retention?.maxRows ?? 1_000_000,
      maxBytes,
      everyMs: parseDuration(s.retention?.every ?? '30s'),
    },
    queue,
    redact: {
      headers: s.redact?.headers ?? [],
      queryParams: s.redact?.queryParams ?? [],
      bodyFields: s.redact?.bodyFields ?? [],
      descriptorKeys: s.redact?.descriptorKeys ?? [],
    },
  };
}
