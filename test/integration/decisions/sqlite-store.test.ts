import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../src/decisions/open-store.js';
import { SqliteExecutor } from '../../../src/decisions/sql/sqlite-executor.js';
import { sqliteTables } from '../../../src/decisions/sql/tables.js';
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
