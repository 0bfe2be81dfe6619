/**
 * Writes a parsed byte regex back as pattern text both V8 (with the `s` flag) and re2js (DOTALL) accept with the
 * same meaning: every byte set spelled out as `\xHH` ranges, no `i` flag, no engine-specific escapes.
 */
import type { ByteSet, Node } from './ast.js';

function hex(c: number): string {
  return `\\x${c.toString(16).padStart(2, '0')}`;
}

function charText(c: number): string {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ? String.fromCharCode(c) : hex(c);
}

function ranges(set: ByteSet, want: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let c = 0;
  while (c < 256) {
    if (set[c] === want) {
      const lo = c;
      while (c + 1 < 256 && set[c + 1] === want) c++;
      out.push([lo, c]);
    }
    c++;
  }
  return out;
}

function rangeText(rs: Array<[number, number]>): string {
  return rs.map(([lo, hi]) => (lo === hi ? hex(lo) : hi === lo + 1 ? hex(lo) + hex(hi) : `${hex(lo)}-${hex(hi)}`)).join('');
}

export function setSize(set: ByteSet): number {
  let n = 0;
  for (let c = 0; c < 256; c++) n += set[c]!;
  return n;
}

function emitSet(set: ByteSet): string {
  const n = setSize(set);
  if (n === 256) return '.';
  if (n === 0) return '[^\\x00-\\xff]';
  if (n === 1) return charText(set.indexOf(1));
  if (n > 128) return `[^${rangeText(ranges(set, 0))}]`;
  return `[${rangeText(ranges(set, 1))}]`;
}

function needsWrap(n: Node): boolean {
  return n.t === 'cat' || n.t === 'alt' || n.t === 'rep';
}

export function emitRegex(n: Node): string {
  switch (n.t) {
    case 'set': return emitSet(n.set);
    case 'any': return '.';
    case 'cat': return n.items.map(emitRegex).join('');
    case 'alt': return n.items.map(emitRegex).join('|');
    case 'group': return n.capture ? `(${emitRegex(n.body)})` : `(?:${emitRegex(n.body)})`;
    case 'rep': {
      const body = needsWrap(n.body) ? `(?:${emitRegex(n.body)})` : emitRegex(n.body);
      let q: string;
      if (n.min === 0 && n.max === Infinity) q = '*';
      else if (n.min === 1 && n.max === Infinity) q = '+';
      else if (n.min === 0 && n.max === 1) q = '?';
      else if (n.max === Infinity) q = `{${n.min},}`;
      else if (n.min === n.max) q = `{${n.min}}`;
      else q = `{${n.min},${n.max}}`;
      return body + q + (n.lazy ? '?' : '');
    }
    case 'assert':
      switch (n.kind) {
        case 'start': return '^';
        case 'end': return '$';
        case 'bol': return '^';
        case 'eol': return '$';
        case 'wordb': return '\\b';
        case 'nwordb': return '\\B';
      }
  }
}

/** True when the pattern uses multi-line anchors (`(?m)`), which need the `m` flag on the whole pattern. */
export function usesMultiline(n: Node): boolean {
  switch (n.t) {
    case 'assert': return n.kind === 'bol' || n.kind === 'eol';
    case 'cat': case 'alt': return n.items.some(usesMultiline);
    case 'group': case 'rep': return usesMultiline(n.body);
    default: return false;
  }
}

export function usesSinglelineAnchor(n: Node): boolean {
  switch (n.t) {
    case 'assert': return n.kind === 'start' || n.kind === 'end';
    case 'cat': case 'alt': return n.items.some(usesSinglelineAnchor);
    case 'group': case 'rep': return usesSinglelineAnchor(n.body);
    default: return false;
  }
}

/**
 * Exponential backtracking needs a repeated sub-pattern that can itself match in more than one way: a
 * quantifier over a quantifier or over an alternation. Patterns without that are only ever polynomial in V8.
 * A repetition with a finite bound whose ways to match at one position are few (`(?:[0-9]{1,3}\.){3}`: at most
 * 3^3) cannot blow up either, and is not counted, unless it is itself repeated.
 */
export function hasNestedAmbiguity(n: Node, underRepeat = false): boolean {
  switch (n.t) {
    case 'rep': {
      if (!underRepeat && boundedWays(n) <= MAX_BOUNDED_WAYS) return false;
      const repeats = n.max > 1;
      if (underRepeat && repeats) return true;
      return hasNestedAmbiguity(n.body, underRepeat || repeats);
    }
    case 'alt':
      if (underRepeat) return true;
      return n.items.some((i) => hasNestedAmbiguity(i, underRepeat));
    case 'cat': return n.items.some((i) => hasNestedAmbiguity(i, underRepeat));
    case 'group': return hasNestedAmbiguity(n.body, underRepeat);
    default: return false;
  }
}

/** The most ways a bounded sub-pattern may be tried at one position before it is abandoned. */
const MAX_BOUNDED_WAYS = 1024;

/**
 * An upper bound on the ways `n` can match at one position (the backtracking choices it offers), or Infinity
 * when a repetition is unbounded or the count passes MAX_BOUNDED_WAYS.
 */
function boundedWays(n: Node): number {
  let w: number;
  switch (n.t) {
    case 'cat': w = n.items.reduce((a, i) => a * boundedWays(i), 1); break;
    case 'alt': w = n.items.reduce((a, i) => a + boundedWays(i), 0); break;
    case 'group': w = boundedWays(n.body); break;
    case 'rep': {
      if (!Number.isFinite(n.max)) return Infinity;
      const body = boundedWays(n.body);
      w = 0;
      for (let k = n.min; k <= n.max && w <= MAX_BOUNDED_WAYS; k++) w += body ** k;
      break;
    }
    default: w = 1;
  }
  return w > MAX_BOUNDED_WAYS ? Infinity : w;
}
