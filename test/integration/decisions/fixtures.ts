/** Deterministic decision records for store tests, and a brute-force reference for what queries must return. */
import type { CheckDecisionRecord, DecisionRecord, RateLimitDecisionRecord } from '../../../src/decisions/record.js';
import { newDecisionId } from '../../../src/lib/ids.js';

export const ROUTES = ['users', 'orders', 'admin', 'health', 'search'];
export const DENY_CODES = ['jwt.expired', 'ip.denied', 'waf.blocked', 'ratelimit.over_limit'];

/** A small LCG so every run builds the same records. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface GenOptions {
  n: number;
  /** Epoch ms of the oldest record; records are spread evenly up to `end`. */
  start: number;
  end: number;
  seed?: number;
}

export function makeRecords(o: GenOptions): DecisionRecord[] {
  const r = rng(o.seed ?? 42);
  const out: DecisionRecord[] = [];
  const step = (o.end - o.start) / o.n;
  for (let i = 0; i < o.n; i++) {
    const ts = Math.floor(o.start + i * step);
    const time = new Date(ts).toISOString();
    const latencyUs = Math.floor(20 + r() * r() * 5000);
    if (i % 10 === 9) {
      const over = r() < 0.3;
      const rec: RateLimitDecisionRecord = {
        type: 'ratelimit', id: newDecisionId(ts), time, domain: 'edge',
        descriptors: [{ entries: [{ key: 'remote_address', value: `10.1.0.${i % 250}` }] }],
        verdict: over ? 'deny' : 'allow', overallCode: over ? 'OVER_LIMIT' : 'OK',
        statuses: [{ code: over ? 'OVER_LIMIT' : 'OK', limit: '50/second', remaining: over ? 0 : 10 }],
        latencyUs, route: '', clientIp: '',
      };
      out.push(rec);
      continue;
    }
    const deny = r() < 0.25;
    const code = deny ? DENY_CODES[Math.floor(r() * DENY_CODES.length)]! : undefined;
    const v6 = i % 7 === 0;
    const rec: CheckDecisionRecord = {
      type: 'check', id: newDecisionId(ts), time, requestId: `req-${i}`, route: ROUTES[i % ROUTES.length]!, method: 'GET',
      host: 'api.example.com', path: `/api/${i}?page=*`,
      clientIp: v6 ? `2001:db8::${(i % 4096).toString(16)}` : `10.${Math.floor(i / 65536) % 256}.${Math.floor(i / 256) % 256}.${i % 256}`,
      verdict: deny ? 'deny' : 'allow', status: deny ? 403 : 200,
      checks: [{ name: 'jwt', kind: 'jwt-auth', result: 'pass', ms: 0.05 }],
      latencyUs,
    };
    if (i % 3 !== 0) rec.principal = `user-${i % 97}`;
    if (code) rec.code = code;
    if (code === 'waf.blocked') rec.ruleIds = [String(942100 + (i % 3)), '949110'];
    out.push(rec);
  }
  return out;
}

export function recTs(rec: DecisionRecord): number {
  return Date.parse(rec.time);
}

export function exactQuantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
