/**
 * The aggregate function of the SQLite query connections, for stats grouped by principal or address. SQLite
 * groups only by sorting: a million records took 0.64 s to sort by principal and 0.9 s by address, and the
 * histograms of the groups returned took a second scan. This counts every group, and the groups denied most, in
 * one unsorted pass over the time index, keeping per record only its group and latency bucket (5 bytes) to build
 * the returned groups' histograms at the end.
 *
 * Its cost is per record, so the arguments are few and fixed in number, and keys are cheap: over a million
 * records a text key cost about twice a small-integer key, and an integer beyond 32 bits (a heap number) half as
 * much again, so IPv4 addresses arrive as signed 32-bit integers.
 *
 * The factory is self-contained (no imports, nothing from outside its body): the query worker builds the function
 * from its source text.
 */

/** A group key as the aggregate receives it: text (several values' as a JSON array), or an integer (an IPv4 address). */
export type GroupKey = string | number;

/** What `portcullis_stats` answers, as JSON text. */
export interface OnePassStats {
  /** Distinct groups; records without a key (NULL or "") form one group, keyed "". */
  groups: number;
  /** The `limit` largest groups, largest first, ties by key. */
  top: Array<{ key: GroupKey; allow: number; deny: number; hist: number[] }>;
  /** Every record counted, with the histogram of all. */
  total: { allow: number; deny: number; hist: number[] };
  /** The `top` groups with the most denied records (the keyless group left out), as [key, count], ties by key. */
  deniedGroups: Array<[GroupKey, number]>;
}

/**
 * `portcullis_stats(limit, top, verdictAndLatency, key)`, where verdictAndLatency is the latency bucket plus 128
 * when denied: groups records by key, counting allowed and denied records, with latency histograms (`buckets`
 * wide) of the largest `limit` groups and of all, and the `top` groups denied most.
 */
export function statsAggregate(buckets: number) {
  type Key = string | number;
  interface State {
    limit: number;
    top: number;
    index: Map<Key, number>;
    keys: Key[];
    allow: number[];
    deny: number[];
    /** Group and latency bucket of each record, in scan order. */
    group: Int32Array;
    latb: Uint8Array;
    n: number;
  }
  const order = (a: Key, b: Key) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    start: (): State => ({
      limit: 0, top: 0, index: new Map(), keys: [], allow: [], deny: [], group: new Int32Array(4096), latb: new Uint8Array(4096), n: 0,
    }),
    step(s: State, limit: number, top: number, flags: number, value: Key | null): State {
      s.limit = limit;
      s.top = top;
      const key = value ?? '';
      let g = s.index.get(key);
      if (g === undefined) {
        g = s.keys.length;
        s.index.set(key, g);
        s.keys.push(key);
        s.allow.push(0);
        s.deny.push(0);
      }
      if (flags >= 128) s.deny[g]!++;
      else s.allow[g]!++;
      if (s.n === s.group.length) {
        const group = new Int32Array(s.n * 2);
        group.set(s.group);
        s.group = group;
        const latb = new Uint8Array(s.n * 2);
        latb.set(s.latb);
        s.latb = latb;
      }
      s.group[s.n] = g;
      s.latb[s.n++] = flags & 127;
      return s;
    },
    result(s: State): string {
      const size = (i: number) => s.allow[i]! + s.deny[i]!;
      const top = s.keys.map((_, i) => i).sort((a, b) => size(b) - size(a) || order(s.keys[a]!, s.keys[b]!)).slice(0, s.limit);
      // Histogram row of each returned group; the total's is the last.
      const row = new Int32Array(s.keys.length).fill(-1);
      top.forEach((g, i) => (row[g] = i));
      const hist = new Float64Array((top.length + 1) * buckets);
      const all = top.length * buckets;
      for (let i = 0; i < s.n; i++) {
        const b = s.latb[i]!;
        hist[all + b]!++;
        const r = row[s.group[i]!]!;
        if (r >= 0) hist[r * buckets + b]!++;
      }
      const histOf = (r: number) => Array.from(hist.subarray(r * buckets, (r + 1) * buckets));
      let allow = 0;
      let deny = 0;
      const deniedGroups: Array<[Key, number]> = [];
      for (let i = 0; i < s.keys.length; i++) {
        allow += s.allow[i]!;
        deny += s.deny[i]!;
        if (s.deny[i]! > 0 && s.keys[i] !== '') deniedGroups.push([s.keys[i]!, s.deny[i]!]);
      }
      const result: OnePassStats = {
        groups: s.keys.length,
        top: top.map((g, r) => ({ key: s.keys[g]!, allow: s.allow[g]!, deny: s.deny[g]!, hist: histOf(r) })),
        total: { allow, deny, hist: histOf(top.length) },
        deniedGroups: deniedGroups.sort((a, b) => b[1] - a[1] || order(a[0], b[0])).slice(0, s.top),
      };
      return JSON.stringify(result);
    },
  };
}

/** The functions as the worker registers them: name, source text and the factory's arguments. */
export function sqliteAggregates(buckets: number): Array<{ name: string; source: string; args: unknown[] }> {
  return [{ name: 'portcullis_stats', source: statsAggregate.toString(), args: [buckets] }];
}
