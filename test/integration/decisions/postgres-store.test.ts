import pg from 'pg';
import { openPgStore } from '../../../src/decisions/open-store.js';
import { PgExecutor } from '../../../src/decisions/sql/pg-executor.js';
import { pgTables } from '../../../src/decisions/sql/tables.js';
import { migrationContract, storeContract } from './store-contract.js';
import { PG_URL } from './pg-env.js';

const schema = `portcullis_test_${process.pid}_${Date.now().toString(36)}`;
async function dropSchema(name: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  await c.end();
}

storeContract('PostgreSQL', () => openPgStore(PG_URL, { schema, table: 'decisions' }), () => dropSchema(schema));

const oldSchema = `${schema}_v1`;
migrationContract('PostgreSQL', {
  executor: () => PgExecutor.open(PG_URL, 1),
  tables: pgTables(oldSchema, 'decisions'),
  setup: [`CREATE SCHEMA "${oldSchema}"`],
  open: () => openPgStore(PG_URL, { schema: oldSchema, table: 'decisions' }),
  indexQuery: [`SELECT indexname AS name FROM pg_indexes WHERE schemaname = ?`, [oldSchema]],
  cleanup: () => dropSchema(oldSchema),
});
