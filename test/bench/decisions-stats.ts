/**
 * `node dist/test/bench/decisions-stats.js [--rows N] [--postgres URL] [--keep FILE]`  (--keep: fill FILE once, reuse it after)
 *
 * Fills a decision store with N decisions (default 1,000,000, spread over seven days: the default retention)
 * through the store's own batched write path, then times the queries operators run: stats from rollups and
 * from records, top denied, and filtered lists. Prints the median of five runs of each. SQLite always; also
 * PostgreSQL when --postgres is given (a scratch schema, dropped after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPgStore, openSqliteStore } from '../../src/decisions/open-store.js';
import { parseFilter, parseStatsQuery } from '../../src/decisions/query.js';
import type { CheckDecisionRecord, DecisionRecord, RateLimitDecisionRecord } from '../../src/decisions/record.js';
import { encodeRecord, type EncodedRecord } from '../../src/decisions/sql/rows.js';
import type { SqlDecisionStore } from '../../src/decisions/sql/sql-store.js';
import { newDecisionId } from '../../src/lib/ids.js';
import { median } from './stats.js';

const USAGE = 'usage: decisions-stats [--rows N] [--postgres URL] [--keep FILE]\n';
const DAY = 86_400_000;
const CODES = ['jwt.expired', 'jwt.bad_signature', 'ip.denied', 'waf.blocked', 'schema.body_invalid', 'ratelimit.over_limit'];

function* generate(n: number, now: number): Generator<DecisionRecord> {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const start = now - 7 * DAY;
  for (let i = 0; i < n; i++) {
    const ts = Math.floor(start + (i * 7 * DAY) / n);
    const time = new Date(ts).toISOString();
    const latencyUs = Math.floor(40 + rnd() * rnd() * 4000);
    if (i % 20 === 0) {
      const over = rnd() < 0.2;
      const r: RateLimitDecisionRecord = {
        type: 'ratelimit', id: newDecisionId(ts), time, domain: 'edge', descriptors: [{ entries: [{ key: 'remote_address', value: `198.51.100.${i % 250}` }] }],
        verdict: over ? 'deny' : 'allow', overallCode: over ? 'OVER_LIMIT' : 'OK', statuses: [{ code: over ? 'OVER_LIMIT' : 'OK', limit: '50/second' }], latencyUs, route: '', clientIp: '',
      };
      yield r;
      continue;
    }
    const deny = rnd() < 0.15;
    const code = deny ? CODES[Math.floor(rnd() * CODES.length)] : undefined;
    const ip = Math.floor(rnd() * 65536);
    const r: CheckDecisionRecord = {
      type: 'check', id: newDecisionId(ts), time, requestId: `bench-${i}`, route: `route-${i % 20}`, method: i % 4 ? 'GET' : 'POST', host: 'api.example.com',
      path: `/api/r${i % 20}/${i % 1000}?page=*`, clientIp: `10.${ip >> 12}.${(ip >> 4) & 255}.${ip & 15}`, verdict: deny ? 'deny' : 'allow', status: deny ? 403 : 200,
      checks: [{ name: 'jwt-auth', kind: 'jwt-auth', result: deny && code?.startsWith('jwt') ? 'deny' : 'pass', ms: 0.08 }, { name: 'waf', kind: 'waf', result: code === 'waf.blocked' ? 'deny' : 'pass', ms: 0.4 }],
      latencyUs,
    };
    if (i % 5) r.principal = `user-${Math.floor(rnd() * 5000)}`;
    if (code) r.code = code;
    if (code === 'waf.blocked') r.ruleIds = ['942100', '949110'];
    yield r;
  }
}

async function fill(store: SqlDecisionStore, n: number, now: number): Promise<number> {
  const t0 = performance.now();
  let batch: EncodedRecord[] = [];
  for (const rec of generate(n, now)) {
    batch.push(encodeRecord(rec, JSON.stringify(rec)));
    if (batch.length === 5000) {
      await store.write(batch);
      batch = [];
    }
  }
  await store.write(batch);
  return performance.now() - t0;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

async function measure(label: string, store: SqlDecisionStore, now: number): Promise<Array<[string, string, number, string]>> {
  const stats = (q: string) => {
    const p = parseStatsQuery(new URLSearchParams(q), now);
    if (!p.ok) throw new Error(p.errors.join());
    return p.value;
  };
  const list = (q: string) => {
    const p = parseFilter(new URLSearchParams(q), now);
    if (!p.ok) throw new Error(p.errors.join());
    return p.value;
  };
  const rows: Array<[string, string, number, string]> = [];
  for (const q of ['by=route,code', 'by=route,code&since=1h', 'by=verdict&since=24h', 'by=route&since=2026-01-01T00:00:30Z', 'by=code&verdict=deny', 'by=principal&since=1h', 'by=principal', 'by=clientIp&ip=10.3.0.0/16', 'by=clientIp&since=1h', 'by=clientIp']) {
    const s = await store.stats(stats(q));
    rows.push([label, `stats ${q}`, await timeIt(() => store.stats(stats(q))), `${s.source}, ${s.total.count} decisions, ${s.groupsTotal} groups`]);
  }
  for (const q of ['limit=100', 'verdict=deny&route=route-3&limit=100', 'principal=user-42&limit=100', 'ip=10.5.0.0/16&since=1d&limit=100', 'ruleId=942100&limit=100', 'code=jwt.bad_signature&limit=100', 'requestId=bench-500001&limit=100', 'ip=10.5.7.3&limit=100']) {
    const got = await store.query(list(q));
    rows.push([label, `query ${q}`, await timeIt(() => store.query(list(q))), `${got.length} records`]);
  }
  return rows;
}

function print(rows: Array<[string, string, number, string]>): void {
  const w = Math.max(...rows.map((r) => r[1].length));
  process.stdout.write(`\n${'store'.padEnd(9)}${'query'.padEnd(w + 2)}${'median ms'.padStart(10)}  answer\n`);
  for (const [store, q, ms, what] of rows) process.stdout.write(`${store.padEnd(9)}${q.padEnd(w + 2)}${ms.toFixed(1).padStart(10)}  ${what}\n`);
  const worst = Math.max(...rows.filter((r) => r[1].startsWith('stats')).map((r) => r[2]));
  process.stdout.write(`slowest stats query (${rows[0]![0]}): ${worst.toFixed(1)} ms (target < 1000 ms)\n\n`);
}

async function main(): Promise<void> {
  let values: { rows?: string; postgres?: string; keep?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { rows: { type: 'string' }, postgres: { type: 'string' }, keep: { type: 'string' }, help: { type: 'boolean' } } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const n = Number(values.rows ?? 1_000_000);
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`--rows must be a positive whole number, not ${values.rows}\n${USAGE}`);
    process.exit(2);
  }
  const now = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-decisions-'));
  try {
    const file = values.keep ?? join(dir, 'decisions.db');
    const store = await openSqliteStore(file);
    const have = await store.approxRows();
    if (have >= n) {
      process.stdout.write(`sqlite: reusing ${have} decisions in ${file} (their times are relative to when it was filled)\n`);
    } else {
      const fillMs = await fill(store, n, now);
      process.stdout.write(`sqlite: wrote ${n} decisions in ${(fillMs / 1000).toFixed(1)} s (${Math.round(n / (fillMs / 1000))} records/s through the batched write path)\n`);
    }
    // The recorder refreshes planner statistics every few retention passes; a store in service has them.
    await store.optimize();
    print(await measure('sqlite', store, now));
    await store.close();
    if (values.postgres) {
      const schema = `portcullis_bench_${process.pid}`;
      const pgStore = await openPgStore(values.postgres, { schema, table: 'decisions' });
      try {
        const ms = await fill(pgStore, n, now);
        process.stdout.write(`postgres: wrote ${n} decisions in ${(ms / 1000).toFixed(1)} s (${Math.round(n / (ms / 1000))} records/s)\n`);
        // Steady state: autovacuum has visited the insert-only tables (visibility map set, statistics fresh), so
        // the planner can answer from index-only scans.
        const vc = new pg.Client({ connectionString: values.postgres });
        await vc.connect();
        await vc.query(`VACUUM ANALYZE "${schema}".decisions, "${schema}".decisions_rules, "${schema}".decisions_rollup_1m, "${schema}".decisions_rollup_1h`);
        await vc.end();
        print(await measure('postgres', pgStore, now));
      } finally {
        await pgStore.close();
        const c = new pg.Client({ connectionString: values.postgres });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
