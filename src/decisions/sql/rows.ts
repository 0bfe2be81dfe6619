/** Turning records into table rows and rollup deltas (shared by inserts and by retention, which subtracts). */
import { HIST_BUCKETS, latencyBucket } from '../histogram.js';
import { ipToHex } from '../query.js';
import type { DecisionRecord } from '../record.js';
import { ROLLUP_LEVELS } from './tables.js';

export const DECISION_COLUMNS = ['id', 'ts', 'type', 'verdict', 'status', 'code', 'route', 'principal', 'ip', 'request_id', 'latency_us', 'latb', 'record'] as const;
export const RULE_COLUMNS = ['rule_id', 'ts', 'decision_id'] as const;
/** PostgreSQL types of the columns above, for inserts through unnest(). */
export const DECISION_TYPES = ['text', 'int8', 'text', 'text', 'int4', 'text', 'text', 'text', 'text', 'text', 'int8', 'int4', 'jsonb'] as const;
export const RULE_TYPES = ['text', 'int8', 'text'] as const;

/**
 * A record as the sinks take it: its JSON text (serialized once for every sink), its table row and its matched
 * rule ids. Only these flat values wait in the queue, not the record's objects.
 */
export interface EncodedRecord {
  json: string;
  /** Values in DECISION_COLUMNS order. */
  row: unknown[];
  ruleIds: readonly string[] | undefined;
}

/** The facts a rollup row is keyed and counted by. */
export interface RollupFacts {
  ts: number;
  type: string;
  route: string;
  code: string | null;
  verdict: string;
  latb: number;
}

/** Rule ids kept per record in the rules table (a request matching more is rare and says enough by then). */
const MAX_RULES_PER_RECORD = 100;

const RLS_CODES: Record<string, string | null> = { OK: null, OVER_LIMIT: 'ratelimit.over_limit', UNAVAILABLE: 'ratelimit.store_unavailable' };

export function recordCode(rec: DecisionRecord): string | null {
  return rec.type === 'check' ? rec.code ?? null : RLS_CODES[rec.overallCode] ?? null;
}

/** The record with its JSON text and its row (an unreadable time reads as now). */
export function encodeRecord(r: DecisionRecord, json: string): EncodedRecord {
  const ts = timeOf(r.time);
  const latencyUs = Number.isFinite(r.latencyUs) && r.latencyUs > 0 ? Math.round(r.latencyUs) : 0;
  const latb = latencyBucket(latencyUs);
  const code = recordCode(r);
  const route = typeof r.route === 'string' ? r.route : '';
  const check = r.type === 'check';
  const row = [
    r.id,
    ts,
    r.type,
    r.verdict,
    check ? r.status : null,
    code,
    route,
    check && r.principal ? r.principal : null,
    check && r.clientIp ? ipHex(r.clientIp) : null,
    check && r.requestId ? r.requestId : null,
    latencyUs,
    latb,
    json,
  ];
  const ruleIds = check && r.ruleIds ? r.ruleIds.slice(0, MAX_RULES_PER_RECORD).map(String) : undefined;
  return { json, row, ruleIds };
}

/** The rollup facts of a row made by encodeRecord. */
export function rowFacts(row: readonly unknown[]): RollupFacts {
  return { ts: row[1] as number, type: row[2] as string, verdict: row[3] as string, code: row[5] as string | null, route: row[6] as string, latb: row[11] as number };
}

// Record times repeat from record to record (formatted once per second): parse each once.
let lastTime = '';
let lastTs = 0;

/** Milliseconds of a record's ISO time (an unreadable time reads as now). */
function timeOf(time: string): number {
  if (time === lastTime) return lastTs;
  const t = Date.parse(time);
  if (!Number.isFinite(t)) return Date.now();
  lastTime = time;
  lastTs = t;
  return t;
}

// Client addresses repeat from record to record: convert each once (bounded; cleared when full).
const hexOf = new Map<string, string | null>();

function ipHex(ip: string): string | null {
  let hex = hexOf.get(ip);
  if (hex === undefined) {
    hex = ipToHex(ip) ?? null;
    if (hexOf.size >= 4096) hexOf.clear();
    hexOf.set(ip, hex);
  }
  return hex;
}

interface Delta {
  key: unknown[];
  n: number;
  hist: number[];
}

/** Per-bucket counts and latency histograms, accumulated in memory and upserted as deltas (negative on retention). */
export class RollupDeltas {
  /** Per level: bucket start, then the group (type, route, code, verdict joined), to its delta. */
  private readonly levels = ROLLUP_LEVELS.map(() => new Map<number, Map<string, Delta>>());

  add(f: RollupFacts, sign: 1 | -1): void {
    const code = f.code ?? '';
    const group = `${f.type}\u0000${f.route}\u0000${code}\u0000${f.verdict}`;
    for (let i = 0; i < ROLLUP_LEVELS.length; i++) {
      const level = ROLLUP_LEVELS[i]!;
      const bucket = Math.floor(f.ts / level) * level;
      const buckets = this.levels[i]!;
      let groups = buckets.get(bucket);
      if (!groups) {
        groups = new Map();
        buckets.set(bucket, groups);
      }
      let d = groups.get(group);
      if (!d) {
        d = { key: [bucket, f.type, f.route, code, f.verdict], n: 0, hist: new Array<number>(HIST_BUCKETS).fill(0) };
        groups.set(group, d);
      }
      d.n += sign;
      d.hist[f.latb] = d.hist[f.latb]! + sign;
    }
  }

  /** Rows for each level, in ROLLUP_LEVELS order: bucket, type, route, code, verdict, n, h0..h95. */
  rows(): Array<{ level: number; rows: unknown[][] }> {
    return ROLLUP_LEVELS.map((level, i) => {
      const rows: unknown[][] = [];
      for (const groups of this.levels[i]!.values()) for (const d of groups.values()) rows.push([...d.key, d.n, ...d.hist]);
      return { level, rows };
    });
  }
}
