/** What reads decisions back: the query interface shared by the SQLite and PostgreSQL stores. */
import type { DecisionRecord } from './record.js';
import type { DecisionFilter, StatsDimension, StatsQuery } from './query.js';

export interface StatsGroup {
  /** The group's values, one per `by` dimension ("" when absent, e.g. no code on an allow). */
  key: Partial<Record<StatsDimension, string>>;
  count: number;
  allow: number;
  deny: number;
  /** deny / count, 0..1. */
  denyRate: number;
  /** Latency percentiles in microseconds, estimated from a log-bucketed histogram (within 19%, one bucket); null when empty. */
  p50Us: number | null;
  p99Us: number | null;
}

export interface DecisionStats {
  window: { since: string | null; until: string | null };
  by: StatsDimension[];
  total: Omit<StatsGroup, 'key'>;
  /** Groups by count, largest first, at most `limit`. */
  groups: StatsGroup[];
  groupsTotal: number;
  /** Who is denied or limited most (verdict deny: check denials and RLS OVER_LIMIT). */
  topDenied: { principals: Array<{ principal: string; count: number }>; clientIps: Array<{ clientIp: string; count: number }> };
  /** `rollup` when answered from pre-aggregated buckets (plus raw edges), `raw` when from the records. */
  source: 'rollup' | 'raw';
  tookMs: number;
}

export interface DecisionStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Records matching the filter, newest first, at most `limit`. */
  query(f: DecisionFilter): Promise<DecisionRecord[]>;
  get(id: string): Promise<DecisionRecord | undefined>;
  stats(q: StatsQuery): Promise<DecisionStats>;
  close(): Promise<void>;
}
