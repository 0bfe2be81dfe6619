/**
 * Opening the stores with clear failures: a corrupt or locked SQLite file, or an unreachable PostgreSQL, is an
 * Error naming the store and the cause; nothing is ever replaced or recreated behind the operator's back.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PgExecutor } from './sql/pg-executor.js';
import { SqliteExecutor, SqliteError } from './sql/sqlite-executor.js';
import { SqlDecisionStore } from './sql/sql-store.js';
import { pgTables, sqliteTables } from './sql/tables.js';

export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

function sqliteHint(err: unknown): string {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return ' (the file is not a usable SQLite database; it was left untouched: move it aside or point decisions.sqlite elsewhere)';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return ' (another process holds a lock on it)';
  if (code === 'SQLITE_CANTOPEN') return ' (check that the folder exists and is writable)';
  if (code === 'SQLITE_READONLY') return ' (the file or its folder is read-only)';
  return '';
}

export async function openSqliteStore(file: string, opts: { readonly?: boolean; busyTimeoutMs?: number } = {}): Promise<SqlDecisionStore> {
  if (!opts.readonly && file !== ':memory:') {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (err) {
      throw new StoreOpenError(`decisions.sqlite: cannot create the folder of ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  let ex: SqliteExecutor;
  try {
    ex = await SqliteExecutor.open(file, opts);
  } catch (err) {
    throw new StoreOpenError(`decisions.sqlite: cannot open ${file}: ${(err as Error).message}${sqliteHint(err)}`);
  }
  try {
    return await SqlDecisionStore.open(ex, sqliteTables(), opts);
  } catch (err) {
    await ex.close().catch(() => {});
    const code = err instanceof SqliteError ? ` [${err.code}]` : '';
    throw new StoreOpenError(`decisions.sqlite: ${file}: ${(err as Error).message}${code}${sqliteHint(err)}`);
  }
}

/** Replaces the password of a connection URL wherever it appears in a message. */
export function scrubUrl(message: string, url: string): string {
  let out = message;
  try {
    const u = new URL(url);
    if (u.password) out = out.split(decodeURIComponent(u.password)).join('***').split(u.password).join('***');
  } catch {
    // Not a URL (a key=value connection string): fall through and hide the whole string if it is echoed.
  }
  return out.split(url).join('[connection string]');
}

export async function openPgStore(url: string, opts: { schema: string; table: string; poolSize?: number; readonly?: boolean }): Promise<SqlDecisionStore> {
  let ex: PgExecutor;
  try {
    ex = await PgExecutor.open(url, opts.poolSize ?? 4);
  } catch (err) {
    throw new StoreOpenError(`decisions.postgres: cannot connect: ${scrubUrl((err as Error).message, url)}`);
  }
  try {
    return await SqlDecisionStore.open(ex, pgTables(opts.schema, opts.table), opts);
  } catch (err) {
    await ex.close().catch(() => {});
    throw new StoreOpenError(`decisions.postgres: ${opts.schema}.${opts.table}: ${scrubUrl((err as Error).message, url)}`);
  }
}
