import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../src/decisions/open-store.js';
import { storeContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-decisions-'));
storeContract('SQLite', () => openSqliteStore(join(dir, 'data', 'decisions.db')), async () => rmSync(dir, { recursive: true, force: true }));
