/**
 * A small parser for the PCRE subset CRS patterns use, producing an AST over bytes (0..255). Case-insensitive
 * scopes (`(?i)`, `(?i:...)`) are folded into the AST as ASCII-only byte sets, which is what PCRE does on bytes
 * without UTF mode, so the emitted pattern needs no `i` flag and never folds Latin-1 letters.
 */

export type ByteSet = Uint8Array; // 256 entries, 1 = member

export type Node =
  | { t: 'set'; set: ByteSet }
  | { t: 'any' }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'group'; capture: boolean; body: Node }
  | { t: 'rep'; min: number; max: number; lazy: boolean; body: Node }
  | { t: 'assert'; kind: 'bol' | 'eol' | 'wordb' | 'nwordb' | 'start' | 'end' };

export class RegexSyntaxError extends Error {}

const INF = Number.POSITIVE_INFINITY;

function emptySet(): ByteSet {
  return new Uint8Array(256);
}

function rangeSet(ranges: Array<[number, number]>): ByteSet {
  const s = emptySet();
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi; c++) s[c] = 1;
  return s;
}

function negate(s: ByteSet): ByteSet {
  const out = emptySet();
  for (let c = 0; c < 256; c++) out[c] = s[c] ? 0 : 1;
  return out;
}

const DIGIT = rangeSet([[0x30, 0x39]]);
const WORD = rangeSet([[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x5f, 0x5f]]);
// PCRE's \s: space, \t \n \v \f \r (VT included since PCRE 8.34; 0xA0 is not a space in byte mode).
const SPACE = rangeSet([[0x09, 0x0d], [0x20, 0x20]]);
const HSPACE = rangeSet([[0x09, 0x09], [0x20, 0x20], [0xa0, 0xa0]]);
const VSPACE = rangeSet([[0x0a, 0x0d], [0x85, 0x85]]);

function foldCase(s: ByteSet): ByteSet {
  const out = s.slice();
  for (let c = 0x41; c <= 0x5a; c++) {
    if (s[c] || s[c + 32]) { out[c] = 1; out[c + 32] = 1; }
  }
  return out;
}

interface Flags { i: boolean; s: boolean; m: boolean; x: boolean }

/** Parses `pattern` (one char per byte). Throws RegexSyntaxError on what the engine does not support. */
export function parseRegex(pattern: string): { node: Node; groups: number } {
  let pos = 0;
  let groups = 0;
  const src = pattern;

  function fail(msg: string): never {
    throw new RegexSyntaxError(`${msg} at offset ${pos}`);
  }

  function parseAlt(flags: Flags): Node {
    const branches: Node[] = [];
    let cur = flags;
    let items: Node[] = [];
    for (;;) {
      if (pos >= src.length || src[pos] === ')') {
        branches.push(items.length === 1 ? items[0]! : { t: 'cat', items });
        break;
      }
      if (src[pos] === '|') {
        pos++;
        branches.push(items.length === 1 ? items[0]! : { t: 'cat', items });
        items = [];
        continue;
      }
      // Inline flag setting `(?i)` changes the rest of the enclosing group.
      const inline = /^\(\?([imsxU-]+)\)/.exec(src.slice(pos, pos + 12));
      if (inline) {
        cur = applyFlags(cur, inline[1]!);
        pos += inline[0].length;
        continue;
      }
      const atom = parseAtom(cur);
      if (atom === null) continue;
      items.push(parseQuant(atom));
    }
    return branches.length === 1 ? branches[0]! : { t: 'alt', items: branches };
  }

  function applyFlags(f: Flags, spec: string): Flags {
    const out = { ...f };
    let on = true;
    for (const ch of spec) {
      if (ch === '-') on = false;
      else if (ch === 'i') out.i = on;
      else if (ch === 's') out.s = on;
      else if (ch === 'm') out.m = on;
      else if (ch === 'x') out.x = on;
      else fail(`unsupported flag ${ch}`);
    }
    return out;
  }

  function parseQuant(atom: Node): Node {
    for (;;) {
      const ch = src[pos];
      let min: number;
      let max: number;
      if (ch === '*') { min = 0; max = INF; pos++; }
      else if (ch === '+') { min = 1; max = INF; pos++; }
      else if (ch === '?') { min = 0; max = 1; pos++; }
      else if (ch === '{') {
        const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(src.slice(pos, pos + 24));
        if (!m) return atom; // PCRE treats a malformed brace as a literal
        min = Number(m[1]);
        max = m[2] ? (m[3] ? Number(m[3]) : INF) : min;
        if (min > 1000 || (max !== INF && max > 1000)) fail('repetition count over 1000');
        if (max < min) fail('bad repetition range');
        pos += m[0].length;
      } else return atom;
      if (atom.t === 'assert') fail('quantifier on an assertion');
      let lazy = false;
      if (src[pos] === '?') { lazy = true; pos++; }
      else if (src[pos] === '+') fail('possessive quantifiers are not supported');
      atom = { t: 'rep', min, max, lazy, body: atom };
    }
  }

  function lit(c: number, flags: Flags): Node {
    const s = emptySet();
    s[c] = 1;
    return { t: 'set', set: flags.i ? foldCase(s) : s };
  }

  function parseAtom(flags: Flags): Node | null {
    const ch = src[pos]!;
    if (flags.x && /\s/.test(ch)) { pos++; return null; }
    if (flags.x && ch === '#') { while (pos < src.length && src[pos] !== '\n') pos++; return null; }
    switch (ch) {
      case '(': return parseGroup(flags);
      case '[': return parseClass(flags);
      case '.': pos++; return flags.s ? { t: 'any' } : { t: 'set', set: negate(rangeSet([[0x0a, 0x0a]])) };
      case '^': pos++; return { t: 'assert', kind: flags.m ? 'bol' : 'start' };
      case '$': pos++; return { t: 'assert', kind: flags.m ? 'eol' : 'end' };
      case '\\': return parseEscape(flags, false) as Node;
      case '*': case '+': case '?': fail('nothing to repeat');
      // falls through (fail never returns)
      default: pos++; return lit(ch.charCodeAt(0) & 0xff, flags);
    }
  }

  function parseGroup(flags: Flags): Node {
    pos++; // (
    let capture = true;
    let inner = flags;
    if (src[pos] === '?') {
      const m = /^\?([imsx-]*):/.exec(src.slice(pos, pos + 12));
      if (m) {
        capture = false;
        inner = applyFlags(flags, m[1]!);
        pos += m[0].length;
      } else if (/^\?P?</.test(src.slice(pos, pos + 3)) && !/^\?<[=!]/.test(src.slice(pos, pos + 3))) {
        fail('named groups are not supported');
      } else {
        fail('lookaround, atomic groups and conditionals are not supported');
      }
    }
    if (capture) groups++;
    const body = parseAlt({ ...inner });
    if (src[pos] !== ')') fail('missing )');
    pos++;
    return { t: 'group', capture, body };
  }

  function hexAt(p: number, n: number): number | undefined {
    const h = src.slice(p, p + n);
    return h.length === n && /^[0-9a-fA-F]+$/.test(h) ? parseInt(h, 16) : undefined;
  }

  /** Parses an escape; in a class returns a ByteSet, outside a Node. */
  function parseEscape(flags: Flags, inClass: boolean): Node | ByteSet {
    pos++; // backslash
    if (pos >= src.length) fail('trailing backslash');
    const ch = src[pos]!;
    pos++;
    const one = (c: number): Node | ByteSet => {
      if (inClass) { const s = emptySet(); s[c & 0xff] = 1; return s; }
      return lit(c & 0xff, flags);
    };
    const set = (s: ByteSet): Node | ByteSet => (inClass ? s : { t: 'set', set: s });
    switch (ch) {
      case 'd': return set(DIGIT);
      case 'D': return set(negate(DIGIT));
      case 'w': return set(WORD);
      case 'W': return set(negate(WORD));
      case 's': return set(SPACE);
      case 'S': return set(negate(SPACE));
      case 'h': return set(HSPACE);
      case 'H': return set(negate(HSPACE));
      case 'v': return inClass ? one(0x0b) : set(VSPACE);
      case 'V': return set(negate(VSPACE));
      case 'n': return one(0x0a);
      case 'r': return one(0x0d);
      case 't': return one(0x09);
      case 'f': return one(0x0c);
      case 'e': return one(0x1b);
      case 'a': return one(0x07);
      case '0': {
        let oct = '';
        while (oct.length < 2 && /[0-7]/.test(src[pos] ?? '')) oct += src[pos++];
        return one(oct ? parseInt(oct, 8) : 0);
      }
      case 'x': {
        if (src[pos] === '{') {
          const end = src.indexOf('}', pos);
          const h = end < 0 ? '' : src.slice(pos + 1, end);
          if (!/^[0-9a-fA-F]{1,2}$/.test(h)) fail('\\x{...} must name one byte');
          pos = end + 1;
          return one(parseInt(h, 16));
        }
        const two = hexAt(pos, 2);
        if (two !== undefined) { pos += 2; return one(two); }
        const single = hexAt(pos, 1);
        if (single !== undefined) { pos += 1; return one(single); }
        return one(0);
      }
      case 'c': {
        const c = src.charCodeAt(pos++);
        return one((c & 0xdf) ^ 0x40);
      }
      case 'b':
        if (inClass) return one(0x08);
        return { t: 'assert', kind: 'wordb' };
      case 'B': if (inClass) fail('\\B in a class'); return { t: 'assert', kind: 'nwordb' };
      case 'A': if (inClass) fail('\\A in a class'); return { t: 'assert', kind: 'start' };
      case 'z': case 'Z': if (inClass) fail('\\z in a class'); return { t: 'assert', kind: 'end' };
      case 'Q': case 'E': case 'K': case 'G': case 'p': case 'P': case 'X': case 'R': case 'C':
        fail(`\\${ch} is not supported`);
      // falls through (fail never returns)
      default:
        if (/[1-9]/.test(ch)) {
          if (inClass) { pos--; let oct = ''; while (oct.length < 3 && /[0-7]/.test(src[pos] ?? '')) oct += src[pos++]; return one(parseInt(oct || '0', 8)); }
          fail('backreferences are not supported');
        }
        return one(ch.charCodeAt(0));
    }
  }

  function parseClass(flags: Flags): Node {
    pos++; // [
    let neg = false;
    if (src[pos] === '^') { neg = true; pos++; }
    const s = emptySet();
    let first = true;
    for (;;) {
      if (pos >= src.length) fail('missing ]');
      const ch = src[pos]!;
      if (ch === ']' && !first) { pos++; break; }
      first = false;
      if (ch === '[' && src[pos + 1] === ':') {
        const end = src.indexOf(':]', pos + 2);
        if (end < 0) fail('bad POSIX class');
        const name = src.slice(pos + 2, end);
        const posix = posixClass(name);
        if (!posix) fail(`unknown POSIX class ${name}`);
        for (let c = 0; c < 256; c++) if (posix[c]) s[c] = 1;
        pos = end + 2;
        continue;
      }
      let lo: number;
      if (ch === '\\') {
        const e = parseEscape({ ...flags, i: false }, true) as ByteSet;
        const members = [...e.keys()].filter((c) => e[c]);
        if (members.length !== 1) { for (const c of members) s[c] = 1; continue; }
        lo = members[0]!;
      } else {
        lo = ch.charCodeAt(0) & 0xff;
        pos++;
      }
      if (src[pos] === '-' && src[pos + 1] !== ']' && pos + 1 < src.length) {
        pos++;
        let hi: number;
        if (src[pos] === '\\') {
          const e = parseEscape({ ...flags, i: false }, true) as ByteSet;
          const members = [...e.keys()].filter((c) => e[c]);
          if (members.length !== 1) { s[lo] = 1; s[0x2d] = 1; for (const c of members) s[c] = 1; continue; }
          hi = members[0]!;
        } else {
          hi = src.charCodeAt(pos) & 0xff;
          pos++;
        }
        if (hi < lo) fail('bad class range');
        for (let c = lo; c <= hi; c++) s[c] = 1;
      } else s[lo] = 1;
    }
    let out = flags.i ? foldCase(s) : s;
    if (neg) out = negate(out);
    return { t: 'set', set: out };
  }

  const node = parseAlt({ i: false, s: true, m: false, x: false });
  if (pos < src.length) fail('unbalanced )');
  return { node, groups };
}

function posixClass(name: string): ByteSet | undefined {
  switch (name) {
    case 'alpha': return rangeSet([[0x41, 0x5a], [0x61, 0x7a]]);
    case 'digit': return DIGIT;
    case 'alnum': return rangeSet([[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]]);
    case 'space': return SPACE;
    case 'upper': return rangeSet([[0x41, 0x5a]]);
    case 'lower': return rangeSet([[0x61, 0x7a]]);
    case 'xdigit': return rangeSet([[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]]);
    case 'punct': return rangeSet([[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]]);
    case 'word': return WORD;
    case 'cntrl': return rangeSet([[0, 0x1f], [0x7f, 0x7f]]);
    case 'print': return rangeSet([[0x20, 0x7e]]);
    case 'graph': return rangeSet([[0x21, 0x7e]]);
    case 'blank': return rangeSet([[0x09, 0x09], [0x20, 0x20]]);
    default: return undefined;
  }
}
