import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../src/decisions/open-store.js';
import { SqliteExecutor } from '../../../src/decisions/sql/sqlite-executor.js';
import { encodeRecord } from '../../../src/decisions/sql/rows.js';
import { sqliteTables } from '../../../src/decisions/sql/tables.js';
import { makeRecords } from './fixtures.js';
import { migrationContract, storeContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-decisions-'));
storeContract('SQLite', () => openSqliteStore(join(dir, 'data', 'decisions.db')), async () => rmSync(dir, { recursive: true, force: true }));

const oldDir = mkdtempSync(join(tmpdir(), 'portcullis-decisions-v1-'));
const oldFile = join(oldDir, 'decisions.db');
migrationContract('SQLite', {
  executor: () => SqliteExecutor.open(oldFile),
  tables: sqliteTables(),
  setup: [],
  open: () => openSqliteStore(oldFile),
  indexQuery: [`SELECT name FROM sqlite_master WHERE type = 'index'`, []],
  cleanup: async () => rmSync(oldDir, { recursive: true, force: true }),
});

describe('SQLite file layout', () => {
  const layoutDir = mkdtempSync(join(tmpdir(), 'portcullis-decisions-layout-'));
  afterAll(() => rmSync(layoutDir, { recursive: true, force: true }));

  it('creates a new store with 16 KiB pages in WAL mode, and keeps the page size of an existing file', async () => {
    const fresh = join(layoutDir, 'fresh.db');
    await (await openSqliteStore(fresh)).close();
    const a = new Database(fresh, { readonly: true });
    expect(a.pragma('page_size', { simple: true })).toBe(16384);
    expect(a.pragma('journal_mode', { simple: true })).toBe('wal');
    a.close();

    const old = join(layoutDir, 'old.db');
    const b = new Database(old);
    b.pragma('page_size = 4096');
    b.exec('CREATE TABLE unrelated (x INTEGER)');
    b.close();
    await (await openSqliteStore(old)).close();
    const c = new Database(old, { readonly: true });
    expect(c.pragma('page_size', { simple: true })).toBe(4096);
    expect((c.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'decisions'`).get() as { n: number }).n).toBe(1);
    c.close();
  });

  it('answers queries from a store in memory, where there is no second connection to read through', async () => {
    const store = await openSqliteStore(':memory:');
    try {
      const recs = makeRecords({ n: 50, start: Date.now() - 60_000, end: Date.now() });
      await store.write(recs.map((r) => encodeRecord(r, JSON.stringify(r))));
      expect((await store.get(recs[7]!.id))?.id).toBe(recs[7]!.id);
      const s = await store.stats({ by: ['clientIp'], limit: 5, top: 3 });
      expect(s.total.count).toBe(50);
    } finally {
      await store.close();
    }
  });
});
