import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../src/decisions/open-store.js';
import { addressText, ipToHex } from '../../../src/decisions/query.js';
import { SqliteExecutor } from '../../../src/decisions/sql/sqlite-executor.js';
import { encodeRecord } from '../../../src/decisions/sql/rows.js';
import { ipv4Key, sqliteTables } from '../../../src/decisions/sql/tables.js';
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

  it('reads the IPv4 key stats group by from the time index, computed for every record', async () => {
    const file = join(layoutDir, 'ipv4.db');
    const store = await openSqliteStore(file);
    const recs = makeRecords({ n: 20, start: Date.now() - 60_000, end: Date.now() });
    await store.write(recs.map((r) => encodeRecord(r, JSON.stringify(r))));
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      const key = ipv4Key('d.ip');
      const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT ${key}, d.latb FROM decisions d WHERE d.ts >= 0`).all() as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join()).toContain('COVERING INDEX decisions_time');
      const rows = db.prepare(`SELECT ${key} AS k, d.ip AS ip FROM decisions d WHERE d.ip IS NOT NULL`).all() as Array<{ k: number | null; ip: string }>;
      expect(rows.length).toBeGreaterThan(10);
      for (const r of rows) {
        const rec = recs.find((x) => x.type === 'check' && ipToHex(x.clientIp) === r.ip)!;
        if (rec.type !== 'check') throw new Error('unreachable');
        expect(r.k === null ? rec.clientIp.includes(':') : addressText(r.k) === rec.clientIp).toBe(true);
      }
    } finally {
      db.close();
    }
  });

  it('queries on threads of their own: a long query holds up neither a commit nor a second query', async () => {
    const ex = await SqliteExecutor.open(join(layoutDir, 'threads.db'));
    try {
      await ex.batch([{ sql: 'CREATE TABLE t (x INTEGER)' }]);
      const done: string[] = [];
      const long = ex.all(`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT COUNT(*) AS n FROM c`).then(() => done.push('long query'));
      await ex.batch([{ sql: 'INSERT INTO t VALUES (1)' }]).then(() => done.push('commit'));
      await ex.all('SELECT COUNT(*) AS n FROM t').then(() => done.push('short query'));
      await long;
      expect(done).toEqual(['commit', 'short query', 'long query']);
    } finally {
      await ex.close();
    }
  });

  it('keeps the file under a size by deleting the oldest records', async () => {
    const store = await openSqliteStore(join(layoutDir, 'sized.db'));
    try {
      const now = Date.now();
      const recs = makeRecords({ n: 20_000, start: now - 3_600_000, end: now - 1000 });
      for (let i = 0; i < recs.length; i += 2000) await store.write(recs.slice(i, i + 2000).map((r) => encodeRecord(r, JSON.stringify(r))));
      const full = (await store.usedBytes())!;
      const maxBytes = Math.floor(full / 2);
      let deleted = 0;
      for (let pass = 0; pass < 5; pass++) {
        const r = await store.retain(now, 86_400_000, 1_000_000, maxBytes);
        deleted += r.deleted;
        if (r.deleted === 0) break;
      }
      expect(await store.usedBytes()).toBeLessThanOrEqual(maxBytes);
      // About half the records go, the oldest.
      expect(deleted).toBeGreaterThan(9000);
      expect(deleted).toBeLessThan(12_000);
      const kept = await store.query({ limit: 10_000 });
      expect(kept).toHaveLength(recs.length - deleted);
      expect(kept.map((r) => r.id)).toEqual(recs.slice(deleted).reverse().map((r) => r.id));
      // Under the cap, nothing more goes.
      expect((await store.retain(now, 86_400_000, 1_000_000, maxBytes)).deleted).toBe(0);
    } finally {
      await store.close();
    }
  });
});
