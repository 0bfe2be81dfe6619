/** The pieces of a stats answer: windows split across rollups and records, and groups with their histograms. */
import { HIST_BUCKETS, quantile } from '../histogram.js';
import { hexToIp, type StatsDimension } from '../query.js';
import type { StatsGroup } from '../store.js';
import { ROLLUP_LEVELS } from './tables.js';

/** Open-ended windows end here. */
export const FOREVER = Number.MAX_SAFE_INTEGER;

export interface Group {
  raw: unknown[];
  allow: number;
  deny: number;
  /** Created with the first latency count: stats by principal or address count every group but read histograms for the groups returned only. */
  hist: number[] | undefined;
}

const NO_LATENCIES: readonly number[] = new Array<number>(HIST_BUCKETS).fill(0);

function histOf(g: Group): number[] {
  return (g.hist ??= new Array<number>(HIST_BUCKETS).fill(0));
}

/** Groups keyed by their stored values (NULL and "" are one group), with counts and latency histograms. */
export class Groups {
  private readonly map = new Map<string, Group>();

  constructor(private readonly dims: readonly StatsDimension[]) {}

  private get(row: Record<string, unknown>): Group {
    const raw = this.dims.map((d) => row[alias(d)] ?? null);
    const k = raw.map((v) => String(v ?? '')).join('\u0000');
    let g = this.map.get(k);
    if (!g) {
      g = { raw, allow: 0, deny: 0, hist: undefined };
      this.map.set(k, g);
    }
    return g;
  }

  /** `n` decisions of the row's group and verdict, with latency bucket `latb` when known. */
  add(row: Record<string, unknown>, n: number, latb?: number): void {
    const g = this.get(row);
    if (row.verdict === 'deny') g.deny += n;
    else g.allow += n;
    if (latb !== undefined) histOf(g)[latb]! += n;
  }

  /** Allowed and denied decisions of the row's group, counted together. */
  addCounts(row: Record<string, unknown>, allow: number, deny: number): void {
    const g = this.get(row);
    g.allow += allow;
    g.deny += deny;
  }

  addHist(row: Record<string, unknown>, latb: number, n: number): void {
    histOf(this.get(row))[latb]! += n;
  }

  addRollup(row: Record<string, unknown>): void {
    const g = this.get(row);
    const n = Number(row.n);
    if (row.verdict === 'deny') g.deny += n;
    else g.allow += n;
    const hist = histOf(g);
    for (let i = 0; i < HIST_BUCKETS; i++) hist[i]! += Number(row[`h${i}`]);
  }

  /** The one group of dimensionless Groups (created empty when nothing was added). */
  sole(): Group {
    return this.get({});
  }

  /** The groups with the most decisions, largest first. */
  top(n: number): Group[] {
    return [...this.map.values()].sort((a, b) => b.allow + b.deny - (a.allow + a.deny)).slice(0, n);
  }

  /** Everything summed into one group. */
  collapse(): Groups {
    const out = new Groups([]);
    const g = out.get({});
    for (const x of this.map.values()) {
      g.allow += x.allow;
      g.deny += x.deny;
      if (!x.hist) continue;
      const hist = histOf(g);
      for (let i = 0; i < HIST_BUCKETS; i++) hist[i]! += x.hist[i]!;
    }
    return out;
  }

  get size(): number {
    return this.map.size;
  }

  /** The `limit` largest groups, summarized. */
  summaries(limit = Infinity): StatsGroup[] {
    return this.top(limit).map((g) => {
      const key: Partial<Record<StatsDimension, string>> = {};
      this.dims.forEach((d, i) => {
        const v = String(g.raw[i] ?? '');
        key[d] = d === 'clientIp' && v ? hexToIp(v) : v;
      });
      return summarize(key, g.allow, g.deny, g.hist);
    });
  }
}

/** Result column of a dimension; lower-case, since PostgreSQL folds unquoted names. */
export function alias(d: StatsDimension): string {
  return `d_${d.toLowerCase()}`;
}

/** The column a dimension groups by (NULL reads as "" in the groups). */
export function rawDim(d: StatsDimension): string {
  return d === 'clientIp' ? 'd.ip' : `d.${d}`;
}

export function summarize(key: StatsGroup['key'], allow: number, deny: number, hist: readonly number[] = NO_LATENCIES): StatsGroup {
  const count = allow + deny;
  return { key, count, allow, deny, denyRate: count ? Math.round((deny / count) * 10_000) / 10_000 : 0, p50Us: quantile(hist, 0.5), p99Us: quantile(hist, 0.99) };
}

/**
 * Splits [from, to) into whole hours, then whole minutes, then raw edges: rollups answer what they cover
 * exactly, records answer the rest. Level 0 means raw records.
 */
export function splitWindow(from: number, to: number, li: number): Array<{ level: number; from: number; to: number }> {
  if (from >= to) return [];
  if (li >= ROLLUP_LEVELS.length) return [{ level: 0, from, to }];
  const L = ROLLUP_LEVELS[li]!;
  const a = Math.ceil(from / L) * L;
  const b = to === FOREVER ? FOREVER : Math.floor(to / L) * L;
  if (a >= b) return splitWindow(from, to, li + 1);
  return [...splitWindow(from, a, li + 1), { level: L, from: a, to: b }, ...(b === FOREVER ? [] : splitWindow(b, to, li + 1))];
}

