/**
 * Regexes over byte strings (latin1, one char per byte) that never take super-linear time on attacker input.
 *
 * Engine choice (measured, see the README): re2js is linear but ~10-20x slower than V8; V8 backtracks
 * (CRS 942251 on 2 KiB of spaces: ~0.9 s, cubic). So:
 *  1. a required-literal prefilter rejects most inputs before any engine runs;
 *  2. V8 runs only patterns with no nested ambiguity (no quantifier over a quantifier or an alternation,
 *     which is where exponential blow-ups come from) whose adversarial probes stay within budget, and only on
 *     inputs of at most V8_MAX_INPUT bytes, where even polynomial backtracking is bounded;
 *  3. everything else runs on re2js.
 */
import { RE2JS } from 're2js';
import { parseRegex, type Node } from './ast.js';
import { emitRegex, hasNestedAmbiguity, usesMultiline, usesSinglelineAnchor } from './emit.js';
import { requiredLiteralSets } from './prefilter.js';
import { literalIndex } from './literal-index.js';

/** Inputs up to this length may run on V8 for every V8-eligible pattern. */
export const V8_MAX_INPUT = 128;
/**
 * A pattern may run on V8 (for inputs up to V8_MAX_INPUT bytes) when every probe of that length finishes within
 * this budget. Longer windows were tried and dropped: probes cannot find every slow input shape (CRS 941340,
 * `["'][ ]*(?:[^a-z0-9~_:' ]|in).+?[.].+?=`, passed 4 KiB probes yet took 150 ms on a 2 KiB test body), while at
 * 128 bytes even a cubic pattern (942251) stays under half a millisecond.
 */
const PROBE_BUDGET_MS = 0.3;
const PROBE_CHARS = [' ', 'a', '0', '/', '<', '%', '.', "'", '-', '\n', '\\', '(', '\t', 'a ', '0 ', '; '];

export interface ByteRegex {
  readonly source: string;
  /** Which engines may run it: `v8+re2js` (inputs up to `v8Max` bytes on V8) or `re2js`. */
  readonly engine: 'v8+re2js' | 're2js';
  readonly v8Max: number;
  readonly literals: readonly string[] | undefined;
  /** `scan` may be passed when the caller has scanned the input with the shared literal index. */
  test(input: string, scan?: LiteralScan): boolean;
  /** Groups 0..n (missing groups as ''), or null. */
  exec(input: string, scan?: LiteralScan): string[] | null;
  /** The prefilter itself (undefined when the pattern requires no literal). */
  readonly filter: LiteralFilter | undefined;
}

/** A value's lower-cased form and the shared-index literals it contains (ids below `size` are known). */
export interface LiteralScan {
  readonly lower: string;
  /** Bit set over literal ids (bit `id` of word `at + (id >>> 5)`); undefined when the value holds none. */
  readonly found: Uint32Array | undefined;
  readonly at: number;
  readonly size: number;
}

export interface RegexOptions {
  /** Allow V8 for short inputs of proven-safe patterns (default true). */
  allowV8?: boolean;
}

function probeOk(re: RegExp, literals: readonly string[] | undefined): boolean {
  const prefixes = literals && literals.length > 0 ? ['', literals[0]!] : [''];
  for (const prefix of prefixes) {
    for (const ch of PROBE_CHARS) {
      const body = ch.repeat(Math.ceil((V8_MAX_INPUT - prefix.length) / ch.length)).slice(0, V8_MAX_INPUT - prefix.length - 1);
      for (const input of [prefix + body + '\x00', body + prefix]) {
        const t0 = performance.now();
        re.test(input);
        if (performance.now() - t0 > PROBE_BUDGET_MS) return false;
      }
    }
  }
  return true;
}

/**
 * A pattern's required-literal prefilter: every set must be present, each set being a disjunction of literals.
 * The literal ids are kept flat (`[n, id1..idn, n, ...]`) so a check reads one array, not one per set.
 */
export class LiteralFilter {
  /** Per set: its size, then its literal ids. */
  readonly flat: Int32Array;
  /** The highest literal id (a scan of an index this size or bigger knows every one). */
  readonly maxId: number;

  constructor(private readonly sets: readonly string[][], ids: readonly number[][]) {
    const flat: number[] = [];
    let maxId = -1;
    for (const set of ids) {
      flat.push(set.length, ...set);
      for (const id of set) maxId = Math.max(maxId, id);
    }
    this.flat = Int32Array.from(flat);
    this.maxId = maxId;
  }

  /** True when the value cannot match: a set has none of its literals in it (the scan decides, else the text). */
  rejects(scan: LiteralScan): boolean {
    // A scan by an index built before some of these literals were registered cannot tell: read the text.
    return this.maxId < scan.size ? missesASet(this.flat, 0, this.flat.length, scan) : !this.inText(scan.lower);
  }

  /** Whether `input` (unscanned) may match. */
  passes(input: string, scan: LiteralScan | undefined): boolean {
    return scan !== undefined ? !this.rejects(scan) : this.inText(input.toLowerCase());
  }

  private inText(lower: string): boolean {
    return this.sets.every((set) => set.some((lit) => lower.includes(lit)));
  }
}

/**
 * True when a set of `flat[from..to)` (LiteralFilter's flat form) has none of its literals in the scan, whose
 * index must know every id there. Most benign values contain no indexed literal at all: decided in one test.
 */
export function missesASet(flat: Int32Array, from: number, to: number, scan: LiteralScan): boolean {
  const found = scan.found;
  if (found === undefined) return true;
  const base = scan.at;
  for (let at = from; at < to;) {
    const end = at + 1 + flat[at]!;
    let present = false;
    for (let j = at + 1; j < end && !present; j++) {
      const id = flat[j]!;
      present = (found[base + (id >>> 5)]! & (1 << (id & 31))) !== 0;
    }
    if (!present) return true;
    at = end;
  }
  return false;
}

/** Compiles a CRS-style pattern. Throws RegexSyntaxError (or the engines' errors) when it cannot be compiled. */
export function compileByteRegex(pattern: string, options: RegexOptions = {}): ByteRegex {
  const { node } = parseRegex(pattern);
  return compileNode(pattern, node, options);
}

function compileNode(pattern: string, node: Node, options: RegexOptions): ByteRegex {
  const multiline = usesMultiline(node);
  if (multiline && usesSinglelineAnchor(node)) throw new Error('mixing (?m) anchors with \\A/\\z or non-multiline ^/$ is not supported');
  const text = emitRegex(node);
  const sets = requiredLiteralSets(node);
  const ids = sets.map((set) => literalIndex.register(set));
  const filter = sets.length > 0 ? new LiteralFilter(sets, ids) : undefined;
  const passes = (input: string, scan: LiteralScan | undefined): boolean => filter === undefined || filter.passes(input, scan);
  const literals = sets[0];
  const re2 = RE2JS.compile(text, RE2JS.DOTALL | (multiline ? RE2JS.MULTILINE : 0));
  let v8: RegExp | undefined;
  let v8Max = 0;
  if (options.allowV8 !== false && !hasNestedAmbiguity(node)) {
    try {
      const candidate = new RegExp(text, multiline ? 'sm' : 's');
      v8Max = probeOk(candidate, literals) ? V8_MAX_INPUT : 0;
      if (v8Max > 0) v8 = candidate;
    } catch {
      v8 = undefined;
    }
  }
  const fast = v8;
  return {
    source: pattern,
    engine: fast ? 'v8+re2js' : 're2js',
    v8Max,
    literals,
    filter,
    test(input, scan) {
      if (!passes(input, scan)) return false;
      if (fast && input.length <= v8Max) return fast.test(input);
      return re2.test(input);
    },
    exec(input, scan) {
      if (!passes(input, scan)) return null;
      let m: ArrayLike<string | undefined> | null;
      if (fast && input.length <= v8Max) m = fast.exec(input);
      // re2js extracts groups with its slow NFA; its DFA answers "no match" (the usual case) far faster.
      else m = re2.test(input) ? re2.exec(input) : null;
      if (!m) return null;
      const out: string[] = [];
      for (let i = 0; i < m.length; i++) out.push(m[i] ?? '');
      return out;
    },
  };
}
