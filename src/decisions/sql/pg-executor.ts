/** PostgreSQL through a pg Pool: `?` placeholders become `$n`, multi-row inserts are one statement per chunk. */
import pg from 'pg';
import type { SqlExecutor, SqlStep } from './executor.js';

// Counts and sums come back as int8/numeric; they fit in a double for any realistic store.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
    return (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format);
  },
} as pg.CustomTypesConfig;

const MAX_PARAMS = 30_000;

/** `a = ? AND b = ?` -> `a = $1 AND b = $2` (the store's SQL has no `?` inside literals). */
export function numbered(sql: string, offset = 0): string {
  let n = offset;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export type TxQuery = <T = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => Promise<T[]>;

export class PgExecutor implements SqlExecutor {
  readonly dialect = 'postgres' as const;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(connectionString: string, poolSize: number): Promise<PgExecutor> {
    const pool = new pg.Pool({ connectionString, max: poolSize, types, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, application_name: 'portcullis' });
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on('error', () => {});
    try {
      const c = await pool.connect();
      c.release();
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    return new PgExecutor(pool);
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const r = await this.pool.query(numbered(sql), params as unknown[]);
    return r.rows as T[];
  }

  /** Runs `fn` in one transaction on one connection. */
  async tx<T>(fn: (q: TxQuery) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const q: TxQuery = async <R>(sql: string, params: readonly unknown[] = []) => (await client.query(numbered(sql), params as unknown[])).rows as R[];
      const out = await fn(q);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async batch(steps: readonly SqlStep[]): Promise<void> {
    await this.tx((q) => runSteps(q, steps));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Runs steps on a transaction's connection; inserts become multi-row statements of at most MAX_PARAMS values. */
export async function runSteps(q: TxQuery, steps: readonly SqlStep[]): Promise<void> {
  for (const st of steps) {
    if ('sql' in st) {
      await q(st.sql, st.params);
      continue;
    }
    if (st.rows.length === 0) continue;
    if (st.tail?.includes('?')) throw new Error('insert tails take no parameters');
    if (st.types) {
      // One array parameter per column: a short statement PostgreSQL plans once, whatever the batch size.
      const arrays = st.columns.map((_, j) => st.rows.map((r) => r[j]));
      const unnest = st.types.map((t) => `?::${t}[]`).join(', ');
      await q(`INSERT INTO ${st.insert} (${st.columns.join(', ')}) SELECT * FROM unnest(${unnest})${st.tail ? ` ${st.tail}` : ''}`, arrays);
      continue;
    }
    const per = Math.max(1, Math.floor(MAX_PARAMS / st.columns.length));
    for (let i = 0; i < st.rows.length; i += per) {
      const values: string[] = [];
      const params: unknown[] = [];
      for (const row of st.rows.slice(i, i + per)) {
        values.push(`(${row.map(() => '?').join(', ')})`);
        for (const v of row) params.push(v);
      }
      await q(`INSERT INTO ${st.insert} (${st.columns.join(', ')}) VALUES ${values.join(', ')}${st.tail ? ` ${st.tail}` : ''}`, params);
    }
  }
}
