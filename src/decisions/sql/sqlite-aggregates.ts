/**
 * The aggregate function of the SQLite query connection, for stats grouped by principal or address. SQLite groups
 * only by sorting: a million records took 0.64 s to sort by principal and 0.9 s by address, the histograms of the
 * groups returned took a second scan, and the top denied a third. This counts every group, and the top denied of
 * both dimensions, in one unsorted pass over the time index, keeping per record only its group and latency bucket
 * (5 bytes) to build the returned groups' histograms at the end. Its cost is per record and per argument: a key
 * string costs twice an integer key (so IPv4 addresses arrive as integers), and each argument about 45 ns.
 *
 * Each factory is self-contained (no imports, nothing from outside its body): the query worker builds the
 * functions from their source text.
 */

/** A grouping value as the aggregate receives it: text, or an integer (an IPv4 address). */
export type GroupValue = string | number;

/** What `portcullis_stats` answers, as JSON text. */
export interface OnePassStats {
  /** Distinct groups; records without any value form one group, keyed by empty strings. */
  groups: number;
  /** The `limit` largest groups, largest first, ties by key. */
  top: Array<{ key: GroupValue[]; allow: number; deny: number; hist: number[] }>;
  /** Every record counted, with the histogram of all. */
  total: { allow: number; deny: number; hist: number[] };
  /** The `top` values of the two denied arguments with the most records, as [value, count], ties by value. */
  deniedPrincipals: Array<[GroupValue, number]>;
  deniedIps: Array<[GroupValue, number]>;
  /** Grouped by one value: the `top` groups with the most denied records (the valueless group left out). */
  deniedGroups: Array<[GroupValue, number]>;
}

/**
 * `portcullis_stats(limit, top, verdictAndLatency, deniedPrincipal, deniedIp, value...)`, where verdictAndLatency is
 * the latency bucket plus 128 when denied, and the two denied arguments are NULL unless the record was denied (or
 * NULL throughout when grouping by that dimension, whose denied counts the groups already hold): groups records by
 * the values (NULL and "" are one group), counting allowed and denied records, with latency histograms (`buckets`
 * wide) of the largest `limit` groups and of all, and the `top` principals and addresses denied most.
 */
export function statsAggregate(buckets: number) {
  type Value = string | number;
  interface State {
    limit: number;
    top: number;
    dims: number;
    /** Group number by key: the value itself for one dimension, the values' JSON for more. */
    index: Map<Value, number>;
    keys: Value[];
    allow: number[];
    deny: number[];
    /** Group and latency bucket of each record, in scan order. */
    group: Int32Array;
    latb: Uint8Array;
    n: number;
    deniedPrincipals: Map<Value, number>;
    deniedIps: Map<Value, number>;
  }
  const order = (a: Value, b: Value) => (a < b ? -1 : a > b ? 1 : 0);
  const topCounts = (entries: Iterable<[Value, number]>, n: number): Array<[Value, number]> =>
    [...entries].sort((a, b) => b[1] - a[1] || order(a[0], b[0])).slice(0, n);
  return {
    varargs: true,
    start: (): State => ({
      limit: 0, top: 0, dims: 0, index: new Map(), keys: [], allow: [], deny: [], group: new Int32Array(4096), latb: new Uint8Array(4096), n: 0,
      deniedPrincipals: new Map(), deniedIps: new Map(),
    }),
    step(s: State, limit: number, top: number, flags: number, deniedPrincipal: Value | null, deniedIp: Value | null, ...values: Array<Value | null>): State {
      s.limit = limit;
      s.top = top;
      s.dims = values.length;
      const key = values.length === 1 ? values[0] ?? '' : JSON.stringify(values.map((v) => v ?? ''));
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
      if (deniedPrincipal !== null) s.deniedPrincipals.set(deniedPrincipal, (s.deniedPrincipals.get(deniedPrincipal) ?? 0) + 1);
      if (deniedIp !== null) s.deniedIps.set(deniedIp, (s.deniedIps.get(deniedIp) ?? 0) + 1);
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
      const keyOf = (g: number): Value[] => (s.dims === 1 ? [s.keys[g]!] : (JSON.parse(s.keys[g] as string) as Value[]));
      let allow = 0;
      let deny = 0;
      const deniedGroups: Array<[Value, number]> = [];
      for (let i = 0; i < s.keys.length; i++) {
        allow += s.allow[i]!;
        deny += s.deny[i]!;
        if (s.dims === 1 && s.deny[i]! > 0 && s.keys[i] !== '') deniedGroups.push([s.keys[i]!, s.deny[i]!]);
      }
      const result: OnePassStats = {
        groups: s.keys.length,
        top: top.map((g, r) => ({ key: keyOf(g), allow: s.allow[g]!, deny: s.deny[g]!, hist: histOf(r) })),
        total: { allow, deny, hist: histOf(top.length) },
        deniedPrincipals: topCounts(s.deniedPrincipals, s.top),
        deniedIps: topCounts(s.deniedIps, s.top),
        deniedGroups: topCounts(deniedGroups, s.top),
      };
      return JSON.stringify(result);
    },
  };
}

/** The functions as the worker registers them: name, source text and the factory's arguments. */
export function sqliteAggregates(buckets: number): Array<{ name: string; source: string; args: unknown[] }> {
  return [{ name: 'portcullis_stats', source: statsAggregate.toString(), args: [buckets] }];
}
