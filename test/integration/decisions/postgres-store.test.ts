import pg from 'pg';
import { openPgStore } from '../../../src/decisions/open-store.js';
import { storeContract } from './store-contract.js';
import { PG_URL } from './pg-env.js';

const schema = `portcullis_test_${process.pid}_${Date.now().toString(36)}`;
storeContract('PostgreSQL', () => openPgStore(PG_URL, { schema, table: 'decisions' }), async () => {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
});
