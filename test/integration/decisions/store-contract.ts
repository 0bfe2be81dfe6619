/** The behaviour both SQL stores must show, run against a real SQLite file and the real PostgreSQL. */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { parseFilter, parseIpRange, parseStatsQuery, ipToHex } from '../../../src/decisions/query.js';
import type { DecisionRecord } from '../../../src/decisions/record.js';
import type { SqlExecutor } from '../../../src/decisions/sql/executor.js';
import { DECISION_COLUMNS, DECISION_TYPES, encodeRecord } from '../../../src/decisions/sql/rows.js';
import type { SqlDecisionStore } from '../../../src/decisions/sql/sql-store.js';
import { LATEST_VERSION, migrations, versionTableDdl, type TableNames } from '../../../src/decisions/sql/tables.js';
import { exactQuantile, makeRecords, recTs } from './fixtures.js';

const N = 20_000;
const DAY = 86_400_000;

function encode(recs: DecisionRecord[]) {
  return recs.map((rec) => encodeRecord(rec, JSON.stringify(rec)));
}

function newestFirst(recs: DecisionRecord[], limit: number): string[] {
  return [...recs].sort((a, b) => recTs(b) - recTs(a)).slice(0, limit).map((r) => r.id);
}

function principalOf(r: DecisionRecord): string | undefined {
  return r.type === 'check' ? r.principal : undefined;
}

/** Denied records per value of `keyOf` (records without one are left out). */
function deniedBy(recs: readonly DecisionRecord[], keyOf: (r: DecisionRecord) => string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of recs) {
    const k = keyOf(r);
    if (r.verdict === 'deny' && k) out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

/** The `n` highest counts, ties by value, as the store orders its top denied. */
function topOf(counts: Map<string, number>, n: number): Array<[string, number]> {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

const addressOf = (r: DecisionRecord): string | undefined => (r.type === 'check' ? r.clientIp : undefined);

export function storeContract(name: string, open: () => Promise<SqlDecisionStore>, cleanup: () => Promise<void>): void {
  describe(`${name} decision store`, () => {
    let store: SqlDecisionStore;
    const now = Date.now();
    const records = makeRecords({ n: N, start: now - 3 * DAY, end: now - 60_000, seed: 7 });

    beforeAll(async () => {
      store = await open();
      for (let i = 0; i < records.length; i += 500) await store.write(encode(records.slice(i, i + 500)));
    }, 120_000);

    afterAll(async () => {
      await store?.close();
      await cleanup();
    });

    const q = (s: string) => {
      const p = parseFilter(new URLSearchParams(s), now);
      if (!p.ok) throw new Error(p.errors.join('; '));
      return p.value;
    };

    it('returns the newest records first, up to the limit', async () => {
      const got = await store.query(q('limit=50'));
      expect(got.map((r) => r.id)).toEqual(newestFirst(records, 50));
      expect(got[0]).toEqual(records.at(-1));
    });

    it.each([
      ['verdict=deny', (r: DecisionRecord) => r.verdict === 'deny'],
      ['type=ratelimit', (r: DecisionRecord) => r.type === 'ratelimit'],
      ['route=orders', (r: DecisionRecord) => r.route === 'orders'],
      ['code=waf.blocked', (r: DecisionRecord) => r.type === 'check' && r.code === 'waf.blocked'],
      ['code=ratelimit.over_limit&type=ratelimit', (r: DecisionRecord) => r.type === 'ratelimit' && r.overallCode === 'OVER_LIMIT'],
      ['principal=user-5', (r: DecisionRecord) => principalOf(r) === 'user-5'],
      ['requestId=req-1234', (r: DecisionRecord) => r.type === 'check' && r.requestId === 'req-1234'],
      ['ruleId=942101', (r: DecisionRecord) => r.type === 'check' && (r.ruleIds ?? []).includes('942101')],
      ['ip=10.0.3.0/24', (r: DecisionRecord) => r.type === 'check' && r.clientIp.startsWith('10.0.3.')],
      ['ip=10.0.3.7', (r: DecisionRecord) => r.type === 'check' && r.clientIp === '10.0.3.7'],
      ['ip=2001:db8::/116', (r: DecisionRecord) => r.type === 'check' && r.clientIp.includes(':') && parseInt(r.clientIp.split('::')[1]!, 16) < 4096],
      ['ip=2001:db8::a00/120', (r: DecisionRecord) => r.type === 'check' && r.clientIp.includes(':') && (parseInt(r.clientIp.split('::')[1]!, 16) & ~0xff) === 0xa00],
      ['since=1d', (r: DecisionRecord) => recTs(r) >= now - DAY],
      ['since=2d&until=1d&verdict=allow&route=users', (r: DecisionRecord) => recTs(r) >= now - 2 * DAY && recTs(r) < now - DAY && r.verdict === 'allow' && r.route === 'users'],
    ])('filters by %s', async (params, pred) => {
      const expected = records.filter(pred);
      expect(expected.length).toBeGreaterThan(0);
      const got = await store.query(q(`${params}&limit=10000`));
      expect(got.length).toBe(Math.min(expected.length, 10_000));
      expect(got.map((r) => r.id)).toEqual(newestFirst(expected, 10_000));
    });

    it('gets one record by id, and nothing for an unknown id', async () => {
      const r = records[1234]!;
      expect(await store.get(r.id)).toEqual(r);
      expect(await store.get('00000000-0000-7000-8000-000000000000')).toBeUndefined();
    });

    it('answers stats by route and code from rollups, exactly, over an unaligned window', async () => {
      const since = now - 2 * DAY - 1234_567;
      const until = now - 3 * 3_600_000 - 98_765;
      const p = parseStatsQuery(new URLSearchParams(`by=route,code&since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}&limit=1000`), now);
      if (!p.ok) throw new Error(p.errors.join());
      const s = await store.stats(p.value);
      expect(s.source).toBe('rollup');
      const inWindow = records.filter((r) => recTs(r) >= p.value.since! && recTs(r) < p.value.until!);
      expect(s.total.count).toBe(inWindow.length);
      expect(s.total.deny).toBe(inWindow.filter((r) => r.verdict === 'deny').length);
      const expected = new Map<string, DecisionRecord[]>();
      for (const r of inWindow) {
        const code = r.type === 'check' ? r.code ?? '' : r.overallCode === 'OVER_LIMIT' ? 'ratelimit.over_limit' : '';
        const k = `${r.route}|${code}`;
        expected.set(k, [...(expected.get(k) ?? []), r]);
      }
      expect(s.groupsTotal).toBe(expected.size);
      for (const g of s.groups) {
        const rs = expected.get(`${g.key.route}|${g.key.code}`)!;
        expect(g.count).toBe(rs.length);
        expect(g.deny).toBe(rs.filter((r) => r.verdict === 'deny').length);
        const lat = rs.map((r) => r.latencyUs);
        expect(Math.abs(g.p50Us! - exactQuantile(lat, 0.5))).toBeLessThanOrEqual(0.2 * exactQuantile(lat, 0.5) + 2);
      }
      const all = inWindow.map((r) => r.latencyUs);
      expect(Math.abs(s.total.p99Us! - exactQuantile(all, 0.99))).toBeLessThanOrEqual(0.2 * exactQuantile(all, 0.99));
      expect(s.groups.map((g) => g.count)).toEqual([...s.groups.map((g) => g.count)].sort((a, b) => b - a));
    });

    it('answers stats by principal from records, with the top denied principals and addresses', async () => {
      const p = parseStatsQuery(new URLSearchParams('by=principal,verdict&since=1d&top=5&limit=500'), now);
      if (!p.ok) throw new Error(p.errors.join());
      const s = await store.stats(p.value);
      expect(s.source).toBe('raw');
      const inWindow = records.filter((r) => recTs(r) >= p.value.since!);
      expect(s.total.count).toBe(inWindow.length);
      const g = s.groups.find((x) => x.key.principal === 'user-5' && x.key.verdict === 'deny');
      expect(g?.count).toBe(inWindow.filter((r) => principalOf(r) === 'user-5' && r.verdict === 'deny').length);
      const top = topOf(deniedBy(inWindow, principalOf), 5);
      expect(s.topDenied.principals).toEqual(top.map(([principal, count]) => ({ principal, count })));
      const ipDenied = deniedBy(inWindow, addressOf);
      expect(s.topDenied.clientIps[0]!.count).toBe(Math.max(...ipDenied.values()));
      expect(ipDenied.get(s.topDenied.clientIps[0]!.clientIp)).toBe(s.topDenied.clientIps[0]!.count);
    });

    it('answers stats by one high-cardinality dimension with histograms for the groups it returns', async () => {
      const p = parseStatsQuery(new URLSearchParams('by=principal&since=2d&limit=10'), now);
      if (!p.ok) throw new Error(p.errors.join());
      const s = await store.stats(p.value);
      const inWindow = records.filter((r) => recTs(r) >= p.value.since!);
      const byPrincipal = new Map<string, DecisionRecord[]>();
      for (const r of inWindow) byPrincipal.set(principalOf(r) ?? '', [...(byPrincipal.get(principalOf(r) ?? '') ?? []), r]);
      expect(s.total.count).toBe(inWindow.length);
      expect(s.groupsTotal).toBe(byPrincipal.size);
      expect(s.groups.map((g) => g.count)).toEqual([...byPrincipal.values()].map((v) => v.length).sort((a, b) => b - a).slice(0, 10));
      for (const g of s.groups) {
        const rs = byPrincipal.get(g.key.principal!)!;
        expect(g.count).toBe(rs.length);
        expect(g.deny).toBe(rs.filter((r) => r.verdict === 'deny').length);
        const exact = exactQuantile(rs.map((r) => r.latencyUs), 0.5);
        expect(Math.abs(g.p50Us! - exact)).toBeLessThanOrEqual(0.2 * exact + 2);
      }
      const exactAll = exactQuantile(inWindow.map((r) => r.latencyUs), 0.99);
      expect(Math.abs(s.total.p99Us! - exactAll)).toBeLessThanOrEqual(0.2 * exactAll);
      // Top denied principals come from the grouping's own counts here: the same answer as the query they replace.
      const top = topOf(deniedBy(inWindow, principalOf), p.value.top);
      expect(s.topDenied.principals).toEqual(top.map(([principal, count]) => ({ principal, count })));

      const ips = await store.stats({ ...p.value, by: ['clientIp'], limit: 3 });
      expect(ips.groups).toHaveLength(3);
      expect(ips.groups.every((g) => g.p50Us !== null && g.count > 0)).toBe(true);
      const ipDenied = deniedBy(inWindow, addressOf);
      expect(ips.topDenied.clientIps.map((c) => c.count)).toEqual([...ipDenied.values()].sort((a, b) => b - a).slice(0, p.value.top));
      for (const c of ips.topDenied.clientIps) expect(ipDenied.get(c.clientIp)).toBe(c.count);
      // Records without an address (rate-limit decisions) form one group, its latencies read directly.
      const all = await store.stats({ ...p.value, by: ['clientIp'], limit: 10_000 });
      const noAddress = inWindow.filter((r) => r.type !== 'check' || !r.clientIp);
      expect(noAddress.length).toBeGreaterThan(0);
      const none = all.groups.find((g) => g.key.clientIp === '');
      expect(none?.count).toBe(noAddress.length);
      const exactNone = exactQuantile(noAddress.map((r) => r.latencyUs), 0.5);
      expect(Math.abs(none!.p50Us! - exactNone)).toBeLessThanOrEqual(0.2 * exactNone + 2);
    });

    it('answers stats by address and another dimension', async () => {
      const p = parseStatsQuery(new URLSearchParams('by=clientIp,verdict&since=2d&limit=5'), now);
      if (!p.ok) throw new Error(p.errors.join());
      const s = await store.stats(p.value);
      const inWindow = records.filter((r) => recTs(r) >= p.value.since!);
      expect(s.total.count).toBe(inWindow.length);
      expect(s.groups).toHaveLength(5);
      for (const g of s.groups) {
        expect(g.count).toBe(inWindow.filter((r) => (addressOf(r) ?? '') === g.key.clientIp && r.verdict === g.key.verdict).length);
      }
    });

    it('filters stats by client address range', async () => {
      const p = parseStatsQuery(new URLSearchParams('ip=10.0.0.0/16&by=verdict'), now);
      if (!p.ok) throw new Error(p.errors.join());
      const s = await store.stats(p.value);
      const range = parseIpRange('10.0.0.0/16')!;
      const expected = records.filter((r) => r.type === 'check' && ipToHex(r.clientIp)! >= range.lo && ipToHex(r.clientIp)! <= range.hi);
      expect(s.total.count).toBe(expected.length);
    });

    it('enforces retention by age and by rows, keeping rollups in step with records', async () => {
      const r1 = await store.retain(now, 2 * DAY, 1_000_000);
      const keptByAge = records.filter((r) => recTs(r) >= now - 2 * DAY);
      expect(r1.deleted).toBe(N - keptByAge.length);
      const left = await store.query(q('limit=10000&since=10d'));
      expect(left.length).toBe(Math.min(10_000, keptByAge.length));
      const all = parseStatsQuery(new URLSearchParams('by=route'), now);
      if (!all.ok) throw new Error();
      expect((await store.stats(all.value)).total.count).toBe(keptByAge.length);

      const r2 = await store.retain(now, 30 * DAY, 5000);
      expect(r2.rows).toBe(5000);
      const s = await store.stats(all.value);
      expect(s.total.count).toBe(5000);
      expect(s.source).toBe('rollup');
      const kept = await store.query(q('limit=10000'));
      expect(kept.map((r) => r.id)).toEqual(newestFirst(records, 5000));
      expect(await store.stats({ ...all.value, by: ['principal'] })).toMatchObject({ total: { count: 5000 }, source: 'raw' });
    }, 60_000);
  });
}

export interface MigrationFixture {
  /** A connection to an empty namespace (file or schema) where an old store is built by hand. */
  executor(): Promise<SqlExecutor>;
  tables: TableNames;
  /** Statements that make the namespace usable (PostgreSQL: its schema). */
  setup: string[];
  /** Opens the store in that namespace through the service's own path (which migrates). */
  open(): Promise<SqlDecisionStore>;
  /** Lists the index names of the namespace: SQL and its parameters. */
  indexQuery: [string, unknown[]];
  cleanup(): Promise<void>;
}

/** A store written by an earlier version is migrated in place: records kept, indexes replaced. */
export function migrationContract(name: string, f: MigrationFixture): void {
  describe(`${name} decision store migrations`, () => {
    afterAll(() => f.cleanup());

    it('migrates a version-1 store to the current version, keeping its records and replacing its indexes', async () => {
      const t = f.tables;
      // An IPv4 check record (the first is IPv6).
      const rec = makeRecords({ n: 2, start: Date.now() - 1000, end: Date.now() })[1]!;
      const ex = await f.executor();
      try {
        const { row } = encodeRecord(rec, JSON.stringify(rec));
        await ex.batch([
          ...f.setup.map((sql) => ({ sql })),
          { sql: versionTableDdl(t, ex.dialect) },
          ...migrations(t, ex.dialect)[1]!.map((sql) => ({ sql })),
          { sql: `INSERT INTO ${t.version} (component, version, applied_at) VALUES ('decisions', 1, 0)` },
          { insert: t.decisions, columns: DECISION_COLUMNS, rows: [row], types: ex.dialect === 'postgres' ? DECISION_TYPES : undefined },
        ]);
      } finally {
        await ex.close();
      }

      const store = await f.open();
      try {
        expect((await store.get(rec.id))?.id).toBe(rec.id);
        // A record from after the migration, from the same address: stats count both as one address.
        const later = { ...rec, id: '01900000-0000-7000-8000-000000000001' };
        await store.write([encodeRecord(later, JSON.stringify(later))]);
        const p = parseStatsQuery(new URLSearchParams('by=clientIp'), Date.now());
        if (!p.ok) throw new Error(p.errors.join());
        const s = await store.stats(p.value);
        expect(s.groups.map((g) => [g.key.clientIp, g.count])).toEqual([[addressOf(rec), 2]]);
      } finally {
        await store.close();
      }
      const check = await f.executor();
      try {
        const names = (await check.all<{ name: string }>(...f.indexQuery)).map((r) => r.name);
        expect(names).toContain(`${t.prefix}_time`);
        for (const gone of ['principal', 'principal_ts', 'principal_known', 'ip', 'ip_ts', 'ts', 'request', 'deny_ip', 'deny_principal']) expect(names).not.toContain(`${t.prefix}_${gone}`);
        const version = await check.all<{ version: number }>(`SELECT version FROM ${t.version} WHERE component = ?`, ['decisions']);
        expect(Number(version[0]?.version)).toBe(LATEST_VERSION);
      } finally {
        await check.close();
      }
    });
  });
}
