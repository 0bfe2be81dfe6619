/** A small async SQL interface, so the store's logic is written once for SQLite (in a worker) and PostgreSQL. */

/** One statement of a transaction: a multi-row insert (rendered per dialect) or a plain statement. */
export type SqlStep =
  | { insert: string; columns: readonly string[]; rows: unknown[][]; tail?: string; /** PostgreSQL column types: insert through unnest(). */ types?: readonly string[] }
  | { sql: string; params?: unknown[] };

export interface SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs DDL (several statements, no parameters). */
  exec(sql: string): Promise<void>;
  /** Runs one statement with `?` placeholders; returns its rows. */
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs the steps in one transaction. */
  batch(steps: readonly SqlStep[]): Promise<void>;
  close(): Promise<void>;
}
