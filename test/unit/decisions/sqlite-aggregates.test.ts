import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { HIST_BUCKETS, latencyBucket } from '../../../src/decisions/histogram.js';
import { sqliteAggregates, statsAggregate, type OnePassStats } from '../../../src/decisions/sql/sqlite-aggregates.js';

type Row = { deny: boolean; us: number; principal?: string; ip?: string | number; values: Array<string | number | null> };

/** Runs the aggregate over rows as SQLite would: start, a step per row, result. */
function run(rows: Row[], limit: number, top: number, deniedArgs: { principal: boolean; ip: boolean } = { principal: true, ip: true }): OnePassStats {
  const agg = statsAggregate(HIST_BUCKETS);
  let s = agg.start();
  for (const r of rows) {
    const flags = latencyBucket(r.us) + (r.deny ? 128 : 0);
    const dp = deniedArgs.principal && r.deny ? r.principal ?? null : null;
    const di = deniedArgs.ip && r.deny ? r.ip ?? null : null;
    s = agg.step(s, limit, top, flags, dp, di, ...r.values);
  }
  return JSON.parse(agg.result(s)) as OnePassStats;
}

const sum = (h: number[]) => h.reduce((a, b) => a + b, 0);

describe('portcullis_stats aggregate', () => {
  it('counts every group, returns the largest with their histograms, and treats NULL and "" as one group', () => {
    const rows: Row[] = [
      ...Array.from({ length: 5 }, (_, i) => ({ deny: i < 2, us: 100, values: ['alice'] })),
      ...Array.from({ length: 3 }, () => ({ deny: false, us: 5000, values: ['bob'] })),
      { deny: false, us: 10, values: [null] },
      { deny: true, us: 10, values: [''] },
      { deny: false, us: 10, values: ['carol'] },
    ];
    const r = run(rows, 3, 10);
    expect(r.groups).toBe(4);
    expect(r.top.map((g) => [g.key, g.allow, g.deny])).toEqual([[['alice'], 3, 2], [['bob'], 3, 0], [[''], 1, 1]]);
    expect(r.top[0]!.hist[latencyBucket(100)]).toBe(5);
    expect(sum(r.top[1]!.hist)).toBe(3);
    expect(r.top[1]!.hist[latencyBucket(5000)]).toBe(3);
    expect(r.total).toMatchObject({ allow: 8, deny: 3 });
    expect(sum(r.total.hist)).toBe(11);
  });

  it('breaks ties by key and keeps integer keys (IPv4 addresses) apart from text', () => {
    const rows: Row[] = [167772161, 'b', 'a', 167772161, 'a', 'b'].map((v) => ({ deny: false, us: 1, values: [v] }));
    expect(run(rows, 10, 10).top.map((g) => g.key[0])).toEqual([167772161, 'a', 'b']);
  });

  it('groups by several values, keeping their types', () => {
    const rows: Row[] = [
      { deny: true, us: 1, values: ['alice', 167772161] },
      { deny: true, us: 1, values: ['alice', 167772161] },
      { deny: false, us: 1, values: ['alice', null] },
    ];
    const r = run(rows, 10, 10);
    expect(r.top.map((g) => [g.key, g.allow + g.deny])).toEqual([[['alice', 167772161], 2], [['alice', ''], 1]]);
    // Several dimensions: no denied groups of one dimension.
    expect(r.deniedGroups).toEqual([]);
  });

  it('lists the principals and addresses denied most, and the groups denied most when grouped by one value', () => {
    const rows: Row[] = [
      ...Array.from({ length: 3 }, () => ({ deny: true, us: 1, principal: 'mallory', ip: 1, values: ['mallory'] })),
      ...Array.from({ length: 2 }, () => ({ deny: true, us: 1, principal: 'eve', ip: 2, values: ['eve'] })),
      { deny: true, us: 1, principal: 'trent', ip: 2, values: ['trent'] },
      { deny: false, us: 1, principal: 'alice', ip: 3, values: ['alice'] },
      { deny: true, us: 1, ip: 3, values: [null] },
    ];
    const r = run(rows, 10, 2, { principal: false, ip: true });
    expect(r.deniedGroups).toEqual([['mallory', 3], ['eve', 2]]);
    expect(r.deniedPrincipals).toEqual([]);
    expect(r.deniedIps).toEqual([[1, 3], [2, 3]]);
  });

  it('answers an empty window', () => {
    const agg = statsAggregate(HIST_BUCKETS);
    const r = JSON.parse(agg.result(agg.start())) as OnePassStats;
    expect(r).toMatchObject({ groups: 0, top: [], total: { allow: 0, deny: 0 }, deniedIps: [], deniedGroups: [] });
  });

  it('is built from its source text in SQLite, as the query worker builds it', () => {
    const db = new Database(':memory:');
    try {
      for (const f of sqliteAggregates(HIST_BUCKETS)) db.aggregate(f.name, new Function('return ' + f.source)()(...f.args));
      db.exec(`CREATE TABLE t (v TEXT, ip INTEGER, deny INTEGER, latb INTEGER)`);
      const ins = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
      for (const [v, ip, deny] of [['a', 1, 1], ['a', 1, 0], [null, 2, 1], ['b', null, 0]] as const) ins.run(v, ip, deny, 8);
      const json = db.prepare(`SELECT portcullis_stats(10, 10, latb + deny * 128, NULL, CASE WHEN deny = 1 THEN ip END, v) FROM t`).pluck().get() as string;
      const r = JSON.parse(json) as OnePassStats;
      expect(r.top.map((g) => [g.key[0], g.allow + g.deny])).toEqual([['a', 2], ['', 1], ['b', 1]]);
      expect(r.deniedIps).toEqual([[1, 1], [2, 1]]);
      expect(r.total.hist[8]).toBe(4);
    } finally {
      db.close();
    }
  });
});
