import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { HIST_BUCKETS, latencyBucket } from '../../../src/decisions/histogram.js';
import { addressText, ipToHex } from '../../../src/decisions/query.js';
import { sqliteAggregates, statsAggregate, type OnePassStats } from '../../../src/decisions/sql/sqlite-aggregates.js';
import { ipv4Key } from '../../../src/decisions/sql/tables.js';

type Row = { deny: boolean; us: number; key: string | number | null };

/** Runs the aggregate over rows as SQLite would: start, a step per row, result. */
function run(rows: Row[], limit: number, top: number): OnePassStats {
  const agg = statsAggregate(HIST_BUCKETS);
  let s = agg.start();
  for (const r of rows) s = agg.step(s, limit, top, latencyBucket(r.us) + (r.deny ? 128 : 0), r.key);
  return JSON.parse(agg.result(s)) as OnePassStats;
}

const sum = (h: number[]) => h.reduce((a, b) => a + b, 0);

describe('portcullis_stats aggregate', () => {
  it('counts every group, returns the largest with their histograms, and treats NULL and "" as one group', () => {
    const rows: Row[] = [
      ...Array.from({ length: 5 }, (_, i) => ({ deny: i < 2, us: 100, key: 'alice' })),
      ...Array.from({ length: 3 }, () => ({ deny: false, us: 5000, key: 'bob' })),
      { deny: false, us: 10, key: null },
      { deny: true, us: 10, key: '' },
      { deny: false, us: 10, key: 'carol' },
    ];
    const r = run(rows, 3, 10);
    expect(r.groups).toBe(4);
    expect(r.top.map((g) => [g.key, g.allow, g.deny])).toEqual([['alice', 3, 2], ['bob', 3, 0], ['', 1, 1]]);
    expect(r.top[0]!.hist[latencyBucket(100)]).toBe(5);
    expect(sum(r.top[1]!.hist)).toBe(3);
    expect(r.top[1]!.hist[latencyBucket(5000)]).toBe(3);
    expect(r.total).toMatchObject({ allow: 8, deny: 3 });
    expect(sum(r.total.hist)).toBe(11);
  });

  it('breaks ties by key and keeps integer keys (IPv4 addresses) apart from text', () => {
    const rows: Row[] = [167772161, 'b', 'a', 167772161, 'a', 'b', '167772161'].map((key) => ({ deny: false, us: 1, key }));
    const r = run(rows, 10, 10);
    expect(r.top.map((g) => g.key)).toEqual([167772161, 'a', 'b', '167772161']);
    expect(r.groups).toBe(4);
  });

  it('lists the groups denied most, ties by key, leaving out the keyless group', () => {
    const rows: Row[] = [
      ...Array.from({ length: 3 }, () => ({ deny: true, us: 1, key: 'mallory' })),
      ...Array.from({ length: 2 }, () => ({ deny: true, us: 1, key: 'trent' })),
      ...Array.from({ length: 2 }, () => ({ deny: true, us: 1, key: 'eve' })),
      ...Array.from({ length: 5 }, () => ({ deny: false, us: 1, key: 'alice' })),
      ...Array.from({ length: 4 }, () => ({ deny: true, us: 1, key: null })),
    ];
    expect(run(rows, 10, 2).deniedGroups).toEqual([['mallory', 3], ['eve', 2]]);
    expect(run(rows, 10, 10).deniedGroups).toEqual([['mallory', 3], ['eve', 2], ['trent', 2]]);
  });

  it('answers an empty window', () => {
    const agg = statsAggregate(HIST_BUCKETS);
    const r = JSON.parse(agg.result(agg.start())) as OnePassStats;
    expect(r).toMatchObject({ groups: 0, top: [], total: { allow: 0, deny: 0 }, deniedGroups: [] });
  });

  it('is built from its source text in SQLite, as the query worker builds it', () => {
    const db = new Database(':memory:');
    try {
      for (const f of sqliteAggregates(HIST_BUCKETS)) db.aggregate(f.name, new Function('return ' + f.source)()(...f.args));
      db.exec(`CREATE TABLE t (v TEXT, deny INTEGER, latb INTEGER)`);
      const ins = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
      for (const [v, deny] of [['a', 1], ['a', 0], [null, 1], ['b', 0]] as const) ins.run(v, deny, 8);
      const json = db.prepare(`SELECT portcullis_stats(10, 10, latb + deny * 128, v) FROM t`).pluck().get() as string;
      const r = JSON.parse(json) as OnePassStats;
      expect(r.top.map((g) => [g.key, g.allow + g.deny])).toEqual([['a', 2], ['', 1], ['b', 1]]);
      expect(r.deniedGroups).toEqual([['a', 1]]);
      expect(r.total.hist[8]).toBe(4);
    } finally {
      db.close();
    }
  });

  it('keys IPv4 addresses by a signed 32-bit integer computed in SQL, and other addresses not at all', () => {
    const db = new Database(':memory:');
    try {
      const key = db.prepare(`SELECT ${ipv4Key('ip')} AS k FROM (SELECT ? AS ip)`).pluck();
      for (const ip of ['0.0.0.0', '10.1.2.3', '127.255.255.255', '128.0.0.0', '192.0.2.1', '255.255.255.255']) {
        const k = key.get(ipToHex(ip)) as number;
        expect(k).toBe(k | 0);
        expect(addressText(k)).toBe(ip);
      }
      expect(key.get(ipToHex('2001:db8::1'))).toBeNull();
      expect(key.get(null)).toBeNull();
    } finally {
      db.close();
    }
  });
});
