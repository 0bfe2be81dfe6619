/**
 * The one filter model of decision queries, parsed and validated from URL query parameters (admin API) and
 * from command-line flags (CLI, which turns its flags into the same parameters).
 */
import ipaddr from 'ipaddr.js';
import { CANONICAL_IPV4 } from '../pipeline/client-ip.js';

/** An address range as 32 hex digits (IPv6, IPv4 mapped to ::ffff:0:0/96), inclusive at both ends. */
export interface IpRange {
  text: string;
  lo: string;
  hi: string;
}

export interface DecisionFilter {
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  verdict?: 'allow' | 'deny';
  type?: 'check' | 'ratelimit';
  route?: string;
  code?: string;
  ip?: IpRange;
  principal?: string;
  requestId?: string;
  ruleId?: string;
  /** Most records (queries) or groups (stats) returned. */
  limit: number;
}

export const STATS_DIMENSIONS = ['route', 'code', 'verdict', 'type', 'principal', 'clientIp'] as const;
export type StatsDimension = (typeof STATS_DIMENSIONS)[number];

export interface StatsQuery extends DecisionFilter {
  by: StatsDimension[];
  /** Length of the top denied principals and client IPs lists. */
  top: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;
const MAX_TOP = 1000;
const MAX_TEXT = 512;

const FILTER_PARAMS = ['since', 'until', 'verdict', 'type', 'route', 'code', 'ip', 'principal', 'requestId', 'ruleId', 'limit'] as const;
const STATS_PARAMS = [...FILTER_PARAMS, 'by', 'top'] as const;
// Kebab-case spellings, as the CLI flags are written.
const ALIASES: Record<string, string> = { 'request-id': 'requestId', 'rule-id': 'ruleId', 'client-ip': 'clientIp', request_id: 'requestId', rule_id: 'ruleId' };

const DURATION = /^(\d{1,9})(ms|s|m|h|d|w)$/;
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z');
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** `15m` (before now), an ISO 8601 time, or `now`; undefined outside the years 1970-9999. */
export function parseTime(value: string, now: number): number | undefined {
  const v = value.trim();
  const d = DURATION.exec(v);
  let t: number | undefined;
  if (v === 'now') t = now;
  else if (d) t = now - Number(d[1]) * DURATION_MS[d[2]!]!;
  else if (ISO.test(v)) t = Date.parse(v.replace(' ', 'T'));
  return t !== undefined && Number.isFinite(t) && t >= 0 && t <= MAX_TIME ? t : undefined;
}

/** Hex digits before an IPv4 address mapped into IPv6 (::ffff:0:0/96). */
export const V4_PREFIX = '00000000000000000000ffff';
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Dotted IPv4 to 8 hex digits; strict (no leading zeros, which some parsers read as octal). */
function v4Hex(s: string): string | undefined {
  if (!CANONICAL_IPV4.test(s)) return undefined;
  let out = '';
  for (const p of s.split('.')) out += Number(p).toString(16).padStart(2, '0');
  return out;
}

function v6Hex(s: string): string | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const all = halves.length === 2 ? right : left;
  // An embedded IPv4 tail (::ffff:192.0.2.1) stands for the last two groups.
  const last = all.at(-1);
  if (last?.includes('.')) {
    const v4 = v4Hex(last);
    if (!v4) return undefined;
    all.splice(all.length - 1, 1, v4.slice(0, 4), v4.slice(4));
  }
  const count = left.length + right.length;
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  let out = '';
  for (const g of left) {
    if (!HEX_GROUP.test(g)) return undefined;
    out += g.padStart(4, '0');
  }
  if (halves.length === 2) {
    out += '0000'.repeat(8 - count);
    for (const g of right) {
      if (!HEX_GROUP.test(g)) return undefined;
      out += g.padStart(4, '0');
    }
  }
  return out.toLowerCase();
}

/**
 * IPv4 and IPv6 addresses as 32 hex digits; IPv4 (and IPv4-mapped IPv6) as ::ffff:a.b.c.d. undefined if not an
 * address. Runs once per stored record, so it parses by hand rather than through ipaddr.js (ten times slower).
 */
export function ipToHex(ip: string): string | undefined {
  if (!ip || ip.length > 64 || ip.includes('%')) return undefined;
  if (!ip.includes(':')) {
    const v4 = v4Hex(ip);
    return v4 ? V4_PREFIX + v4 : undefined;
  }
  return v6Hex(ip);
}

/** The text form of an address as an IPv4 integer (unsigned or two's complement) or as hex digits. */
export function addressText(key: string | number): string {
  return typeof key === 'number' ? [key >>> 24, (key >>> 16) & 255, (key >>> 8) & 255, key & 255].join('.') : hexToIp(key);
}

/** The text form of a stored address (`::ffff:` addresses back to dotted IPv4). */
export function hexToIp(hex: string): string {
  const b = Buffer.from(hex, 'hex');
  if (b.length !== 16) return hex;
  const addr = ipaddr.fromByteArray([...b]) as ipaddr.IPv6;
  return addr.isIPv4MappedAddress() ? addr.toIPv4Address().toString() : addr.toString();
}

export function parseIpRange(value: string): IpRange | undefined {
  const v = value.trim();
  // Zone ids (fe80::1%eth0) name an interface of one host; they are never stored, so they never match.
  if (v.length === 0 || v.length > 64 || v.includes('%')) return undefined;
  try {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    let bits: number;
    if (v.includes('/')) {
      [addr, bits] = ipaddr.parseCIDR(v);
    } else {
      addr = ipaddr.parse(v);
      bits = addr.kind() === 'ipv4' ? 32 : 128;
    }
    if (addr.kind() === 'ipv4') {
      addr = (addr as ipaddr.IPv4).toIPv4MappedAddress();
      bits += 96;
    }
    const bytes = (addr as ipaddr.IPv6).toByteArray();
    const lo = Buffer.alloc(16);
    const hi = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) {
      const keep = Math.max(0, Math.min(8, bits - i * 8));
      const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
      lo[i] = bytes[i]! & mask;
      hi[i] = (bytes[i]! & mask) | (~mask & 0xff);
    }
    return { text: v, lo: lo.toString('hex'), hi: hi.toString('hex') };
  } catch {
    return undefined;
  }
}

function collect(params: URLSearchParams, allowed: readonly string[], errors: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [rawKey, value] of params) {
    const key = ALIASES[rawKey] ?? rawKey;
    if (!allowed.includes(key)) {
      errors.push(`unknown filter '${rawKey}' (known: ${allowed.join(', ')})`);
      continue;
    }
    if (out.has(key)) {
      errors.push(`'${key}' given more than once`);
      continue;
    }
    out.set(key, value);
  }
  return out;
}

function text(p: Map<string, string>, key: string, errors: string[]): string | undefined {
  const v = p.get(key);
  if (v === undefined) return undefined;
  if (v.length === 0 || v.length > MAX_TEXT || /[\u0000-\u001f]/.test(v)) {
    errors.push(`'${key}' must be 1-${MAX_TEXT} printable characters`);
    return undefined;
  }
  return v;
}

function int(p: Map<string, string>, key: string, def: number, max: number, errors: string[]): number {
  const v = p.get(key);
  if (v === undefined) return def;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1 || Number(v) > max) {
    errors.push(`'${key}' must be a whole number from 1 to ${max}, not '${clip(v)}'`);
    return def;
  }
  return Number(v);
}

function clip(v: string): string {
  const s = v.length > 40 ? `${v.slice(0, 40)}...` : v;
  return s.replace(/[\u0000-\u001f]/g, '?');
}

function filterFrom(p: Map<string, string>, now: number, errors: string[]): DecisionFilter {
  const f: DecisionFilter = { limit: int(p, 'limit', DEFAULT_LIMIT, MAX_LIMIT, errors) };
  for (const key of ['since', 'until'] as const) {
    const v = p.get(key);
    if (v === undefined) continue;
    const t = parseTime(v, now);
    if (t === undefined) errors.push(`'${key}' must be a duration before now (15m, 1h, 7d) or an ISO 8601 time, not '${clip(v)}'`);
    else f[key] = t;
  }
  if (f.since !== undefined && f.until !== undefined && f.since >= f.until) errors.push(`'since' must be before 'until'`);
  const verdict = p.get('verdict');
  if (verdict !== undefined) {
    if (verdict === 'allow' || verdict === 'deny') f.verdict = verdict;
    else errors.push(`'verdict' must be allow or deny, not '${clip(verdict)}'`);
  }
  const type = p.get('type');
  if (type !== undefined) {
    if (type === 'check' || type === 'ratelimit') f.type = type;
    else errors.push(`'type' must be check or ratelimit, not '${clip(type)}'`);
  }
  const ip = p.get('ip');
  if (ip !== undefined) {
    const range = parseIpRange(ip);
    if (range) f.ip = range;
    else errors.push(`'ip' must be an IPv4 or IPv6 address or CIDR range, not '${clip(ip)}'`);
  }
  for (const key of ['route', 'code', 'principal', 'requestId', 'ruleId'] as const) {
    const v = text(p, key, errors);
    if (v !== undefined) f[key] = v;
  }
  return f;
}

/** Filters of `GET /decisions` and `portcullis decisions`. */
export function parseFilter(params: URLSearchParams, now = Date.now()): Parsed<DecisionFilter> {
  const errors: string[] = [];
  const p = collect(params, FILTER_PARAMS, errors);
  const value = filterFrom(p, now, errors);
  return errors.length ? { ok: false, errors } : { ok: true, value };
}

/** Filters plus `by` (comma-separated dimensions) and `top`, of `GET /decisions/stats` and `portcullis decisions stats`. */
export function parseStatsQuery(params: URLSearchParams, now = Date.now()): Parsed<StatsQuery> {
  const errors: string[] = [];
  const p = collect(params, STATS_PARAMS, errors);
  const f = filterFrom(p, now, errors);
  const by: StatsDimension[] = [];
  const byText = p.get('by');
  if (byText !== undefined && byText.trim() !== '') {
    for (const raw of byText.split(',')) {
      const d = (ALIASES[raw.trim()] ?? raw.trim()) as StatsDimension;
      if (!STATS_DIMENSIONS.includes(d)) errors.push(`'by' takes ${STATS_DIMENSIONS.join(', ')}; not '${clip(raw)}'`);
      else if (!by.includes(d)) by.push(d);
    }
  }
  const top = int(p, 'top', 10, MAX_TOP, errors);
  return errors.length ? { ok: false, errors } : { ok: true, value: { ...f, by, top } };
}
