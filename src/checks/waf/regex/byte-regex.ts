/**
 * Regexes over byte strings (latin1, one char per byte) that never take super-linear time on attacker input.
 *
 * Engine choice (measured, see the README): re2js is linear but ~10-20x slower than V8; V8 backtracks
 * (CRS 942251 on 2 KiB of spaces: ~0.9 s, cubic). So:
 *  1. a required-literal prefilter rejects most inputs before any engine runs;
 *  2. V8 runs only inputs of at most V8_MAX_INPUT bytes, and only patterns with no nested ambiguity (no
 *     quantifier over a quantifier or an alternation, which is where exponential blow-ups come from) whose
 *     worst probe at that length stays under PROBE_BUDGET_MS;
 *  3. everything else runs on re2js.
 */
import { RE2JS } from 're2js';
import { parseRegex, type Node } from './ast.js';
import { emitRegex, hasNestedAmbiguity, usesMultiline, usesSinglelineAnchor } from './emit.js';
import { requiredLiterals } from './prefilter.js';
import { literalIndex } from './literal-index.js';

export const V8_MAX_INPUT = 128;
const PROBE_BUDGET_MS = 0.3;
const PROBE_CHARS = [' ', 'a', '0', '/', '<', '%', '.', "'", '-', '\n', '\\', '(', '\t', 'a ', '0 ', '; '];

export interface ByteRegex {
  readonly source: string;
  /** Which engines may run it: `v8+re2js` (short inputs on V8) or `re2js`. */
  readonly engine: 'v8+re2js' | 're2js';
  readonly literals: readonly string[] | undefined;
  /** `scan` may be passed when the caller has scanned the input with the shared literal index. */
  test(input: string, scan?: LiteralScan): boolean;
  /** Groups 0..n (missing groups as ''), or null. */
  exec(input: string, scan?: LiteralScan): string[] | null;
}

/** A value's lower-cased form and the shared-index literals it contains (ids below `size` are known). */
export interface LiteralScan {
  readonly lower: string;
  readonly found: ReadonlySet<number>;
  readonly size: number;
}

export interface RegexOptions {
  /** Allow V8 for short inputs of proven-safe patterns (default true). */
  allowV8?: boolean;
}

function probeSafe(re: RegExp, literals: readonly string[] | undefined): boolean {
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

function prefilterPasses(literals: readonly string[] | undefined, ids: readonly number[], input: string, scan: LiteralScan | undefined): boolean {
  if (!literals) return true;
  if (scan) {
    let known = true;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id >= scan.size) { known = false; break; }
      if (scan.found.has(id)) return true;
    }
    if (known) return false;
  }
  const l = scan?.lower ?? input.toLowerCase();
  for (let i = 0; i < literals.length; i++) if (l.includes(literals[i]!)) return true;
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
  const literals = requiredLiterals(node);
  const ids = literals ? literalIndex.register(literals) : [];
  const re2 = RE2JS.compile(text, RE2JS.DOTALL | (multiline ? RE2JS.MULTILINE : 0));
  let v8: RegExp | undefined;
  if (options.allowV8 !== false && !hasNestedAmbiguity(node)) {
    try {
      const candidate = new RegExp(text, multiline ? 'sm' : 's');
      if (probeSafe(candidate, literals)) v8 = candidate;
    } catch {
      v8 = undefined;
    }
  }
  const fast = v8;
  return {
    source: pattern,
    engine: fast ? 'v8+re2js' : 're2js',
    literals,
    test(input, scan) {
      if (!prefilterPasses(literals, ids, input, scan)) return false;
      if (fast && input.length <= V8_MAX_INPUT) return fast.test(input);
      return re2.test(input);
    },
    exec(input, scan) {
      if (!prefilterPasses(literals, ids, input, scan)) return null;
      let m: ArrayLike<string | undefined> | null;
      if (fast && input.length <= V8_MAX_INPUT) m = fast.exec(input);
      // re2js extracts groups with its slow NFA; its DFA answers "no match" (the usual case) far faster.
      else m = re2.test(input) ? re2.exec(input) : null;
      if (!m) return null;
      const out: string[] = [];
      for (let i = 0; i < m.length; i++) out.push(m[i] ?? '');
      return out;
    },
  };
}
