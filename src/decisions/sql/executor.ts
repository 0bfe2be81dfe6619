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
  /**
   * Runs the steps inside the connection's open write transaction (begun on first use) and answers nothing; an
   * error rolls that transaction back, and the next `commit` rejects with it. Only where writes can stream (SQLite).
   */
  append?(steps: readonly SqlStep[]): void;
  /** Runs `steps`, then commits the open write transaction; rejects with whatever aborted it. */
  commit?(steps: readonly SqlStep[]): Promise<void>;
  close(): Promise<void>;
}
