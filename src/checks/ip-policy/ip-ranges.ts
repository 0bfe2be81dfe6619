/**
 * A set of IPv4 and IPv6 ranges, merged and sorted once, answering membership by binary search: tens of
 * thousands of CIDRs cost the same few microseconds as ten. IPv4-mapped IPv6 addresses and CIDRs count as IPv4.
 */
import ipaddr from 'ipaddr.js';

/** One parsed entry: an inclusive range of one address family (IPv6 as four 32-bit words, most significant first). */
export type IpRange = { v: 4; start: number; end: number } | { v: 6; start: Words; end: Words };
type Words = readonly [number, number, number, number];

/** Parses an address or CIDR from a policy ("10.0.0.0/8", "10.0.0.42", "2001:db8::/32"); undefined when invalid. */
export function parseRangeEntry(text: string): IpRange | undefined {
  const entry = text.trim();
  if (!entry) return undefined;
  const slash = entry.indexOf('/');
  const addrText = slash < 0 ? entry : entry.slice(0, slash);
  const bitsText = slash < 0 ? undefined : entry.slice(slash + 1);
  if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) return undefined;
  if (addrText.includes(':')) {
    // Policy entries go through ipaddr.js (the reference parser); requests use the fast parser below.
    if (addrText.includes('%') || !ipaddr.IPv6.isValid(addrText)) return undefined;
    const p = ipaddr.IPv6.parse(addrText).parts;
    const words: Words = [p[0]! * 65536 + p[1]!, p[2]! * 65536 + p[3]!, p[4]! * 65536 + p[5]!, p[6]! * 65536 + p[7]!];
    const bits = bitsText === undefined ? 128 : Number(bitsText);
    if (bits > 128) return undefined;
    if (isMapped(words) && bits >= 96) return v4Range(words[3], bits - 96);
    return v6Range(words, bits);
  }
  // Only canonical dotted quads: "10.1" or "012.0.0.1" mean different things to different parsers.
  const v4 = parseDottedQuad(addrText);
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (v4 === undefined || bits > 32) return undefined;
  return v4Range(v4, bits);
}

function v4Range(addr: number, bits: number): IpRange {
  const size = 2 ** (32 - bits);
  const start = Math.floor(addr / size) * size;
  return { v: 4, start, end: start + size - 1 };
}

function v6Range(addr: Words, bits: number): IpRange {
  const start = [0, 0, 0, 0] as [number, number, number, number];
  const end = [0, 0, 0, 0] as [number, number, number, number];
  for (let i = 0; i < 4; i++) {
    const keep = Math.max(0, Math.min(32, bits - i * 32));
    const size = 2 ** (32 - keep);
    start[i] = Math.floor(addr[i] / size) * size;
    end[i] = start[i] + size - 1;
  }
  return { v: 6, start, end };
}

/** A parsed client address, ready for lookups in any number of sets. */
export type ParsedIp = { v: 4; n: number } | { v: 6; w: Words };

/**
 * Parses a client address (the core's canonical text; tolerant of mapped IPv6 and zone ids); undefined if
 * invalid. Agrees with ipaddr.js on valid text (a test keeps them in step).
 */
export function parseClientIp(text: string): ParsedIp | undefined {
  const v4 = parseDottedQuad(text);
  if (v4 !== undefined) return { v: 4, n: v4 };
  const pct = text.indexOf('%');
  const words = parseIpv6(pct < 0 ? text : text.slice(0, pct));
  if (!words) return undefined;
  return isMapped(words) ? { v: 4, n: words[3] } : { v: 6, w: words };
}

function isMapped(w: Words): boolean {
  return w[0] === 0 && w[1] === 0 && w[2] === 0xffff;
}

// Hand-rolled parsers keep the per-request cost to well under a microsecond (a general parser costs several).
function parseDottedQuad(s: string, from = 0): number | undefined {
  let value = 0;
  let octet = -1;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (octet < 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = -1;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined; // leading zero: not canonical
      octet = octet < 0 ? c - 48 : octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || octet < 0) return undefined;
  return value * 256 + octet;
}

/** RFC 4291 text (with `::` and an embedded dotted quad) to four 32-bit words; undefined when invalid. */
function parseIpv6(s: string): Words | undefined {
  const len = s.length;
  if (len < 2 || len > 45) return undefined;
  const g = [0, 0, 0, 0, 0, 0, 0, 0];
  let n = 0;
  let gap = -1;
  let i = 0;
  // An embedded IPv4 address may only be the tail, after the last colon.
  const dot = s.indexOf('.');
  const v4At = dot < 0 ? -1 : s.lastIndexOf(':', dot) + 1;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return undefined;
    gap = 0;
    i = 2;
  }
  while (i < len) {
    if (i === v4At) {
      const v4 = parseDottedQuad(s, i);
      if (v4 === undefined || n > 6) return undefined;
      g[n++] = Math.floor(v4 / 65536);
      g[n++] = v4 % 65536;
      i = len;
      break;
    }
    let value = 0;
    let digits = 0;
    while (i < len) {
      const c = s.charCodeAt(i);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) break;
      value = value * 16 + d;
      if (++digits > 4) return undefined;
      i++;
    }
    if (digits === 0 || n === 8) return undefined;
    g[n++] = value;
    if (i === len) break;
    if (s.charCodeAt(i) !== 58) return undefined;
    i++;
    if (s.charCodeAt(i) === 58) {
      if (gap >= 0) return undefined;
      gap = n;
      i++;
    } else if (i === len) {
      return undefined; // trailing single colon
    }
  }
  if (gap < 0) {
    if (n !== 8) return undefined;
  } else {
    if (n > 7) return undefined;
    // Shift the groups after `::` to the end, zero-filling the gap.
    const shift = 8 - n;
    for (let k = n - 1; k >= gap; k--) g[k + shift] = g[k]!;
    for (let k = gap; k < gap + shift; k++) g[k] = 0;
  }
  return [g[0]! * 65536 + g[1]!, g[2]! * 65536 + g[3]!, g[4]! * 65536 + g[5]!, g[6]! * 65536 + g[7]!];
}

/** An immutable, merged set of ranges. */
export class IpRangeSet {
  readonly #v4Start: Float64Array;
  readonly #v4End: Float64Array;
  /** Four words per range, sorted by start. */
  readonly #v6Start: Float64Array;
  readonly #v6End: Float64Array;
  /** Number of entries the set was built from (before merging). */
  readonly size: number;

  constructor(ranges: readonly IpRange[]) {
    this.size = ranges.length;
    const v4 = mergeRanges(ranges.filter((r) => r.v === 4).map((r) => ({ start: [r.start as number], end: [r.end as number] })));
    const v6 = mergeRanges(ranges.filter((r) => r.v === 6).map((r) => ({ start: [...(r.start as Words)], end: [...(r.end as Words)] })));
    this.#v4Start = Float64Array.from(v4.flatMap((r) => r.start));
    this.#v4End = Float64Array.from(v4.flatMap((r) => r.end));
    this.#v6Start = Float64Array.from(v6.flatMap((r) => r.start));
    this.#v6End = Float64Array.from(v6.flatMap((r) => r.end));
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  has(ip: ParsedIp): boolean {
    return ip.v === 4 ? lookup4(this.#v4Start, this.#v4End, ip.n) : lookup6(this.#v6Start, this.#v6End, ip.w);
  }
}

type WideRange = { start: number[]; end: number[] };

function compareWords(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** b == a + 1, word-wise with carry: lets adjacent ranges merge (10.0.0.0/9 and 10.128.0.0/9 become one). */
function isSuccessor(a: readonly number[], b: readonly number[]): boolean {
  const next = [...a];
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 0xffffffff) { next[i]!++; return compareWords(next, b) === 0; }
    next[i] = 0;
  }
  return false;
}

function mergeRanges(ranges: WideRange[]): WideRange[] {
  const sorted = [...ranges].sort((a, b) => compareWords(a.start, b.start));
  const out: WideRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && (compareWords(r.start, last.end) <= 0 || isSuccessor(last.end, r.start))) {
      if (compareWords(r.end, last.end) > 0) last.end = r.end;
    } else {
      out.push({ start: r.start, end: r.end });
    }
  }
  return out;
}

function lookup4(starts: Float64Array, ends: Float64Array, x: number): boolean {
  let lo = 0;
  let hi = starts.length - 1;
  // Find the last range starting at or before x.
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= x) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && x <= ends[hi]!;
}

function cmp6(arr: Float64Array, at: number, w: Words): number {
  const o = at * 4;
  for (let i = 0; i < 4; i++) {
    const a = arr[o + i]!;
    if (a !== w[i]) return a < w[i] ? -1 : 1;
  }
  return 0;
}

function lookup6(starts: Float64Array, ends: Float64Array, w: Words): boolean {
  let lo = 0;
  let hi = starts.length / 4 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp6(starts, mid, w) <= 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && cmp6(ends, hi, w) >= 0;
}
