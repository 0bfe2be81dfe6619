/**
 * The regex engine for schema `pattern`s, which face attacker input. RE2 (re2js) is linear-time but some
 * hundred times slower than V8's backtracking engine, so each pattern is analysed once: with no quantified
 * group that holds a quantifier or an alternation (the exponential cases), backtracking costs at most about
 * n^d steps, d being the number of quantifiers (plus one when unanchored). V8 then runs inputs short enough to
 * keep n^d under a fixed budget; longer inputs, and every input of a riskier pattern, go to RE2.
 */
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import { RE2JS } from 're2js';

const STEP_BUDGET = 200_000;

export interface PatternAnalysis {
  /** False: a nested quantifier or a quantified alternation; always RE2. */
  backtrackSafe: boolean;
  /** Degree of the worst-case polynomial (quantifiers, plus one when not anchored at the start). */
  degree: number;
  /** Inputs up to this many UTF-16 units run on V8; longer ones on RE2. */
  maxNativeLength: number;
}

interface Frame {
  quantified: boolean;
  alternation: boolean;
}

export function analysePattern(pattern: string): PatternAnalysis {
  const stack: Frame[] = [{ quantified: false, alternation: false }];
  let quantifiers = 0;
  let safe = true;
  let lastGroup: Frame | undefined;
  let atom = false;
  let topAlternation = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const top = stack[stack.length - 1]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if ((next === 'u' || next === 'p' || next === 'P') && pattern[i + 2] === '{') i = Math.max(i + 1, pattern.indexOf('}', i));
      else i++;
      atom = true;
      lastGroup = undefined;
    } else if (c === '[') {
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
      atom = true;
      lastGroup = undefined;
    } else if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      atom = false;
    } else if (c === ')') {
      const f = stack.length > 1 ? stack.pop()! : top;
      const parent = stack[stack.length - 1]!;
      parent.quantified ||= f.quantified;
      parent.alternation ||= f.alternation;
      lastGroup = f;
      atom = true;
    } else if (c === '|') {
      top.alternation = true;
      if (stack.length === 1) topAlternation = true;
      atom = false;
      lastGroup = undefined;
    } else if (c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i)))) {
      if (!atom) continue;
      if (c === '{') i = pattern.indexOf('}', i);
      if (pattern[i + 1] === '?') i++;
      quantifiers++;
      if (lastGroup && (lastGroup.quantified || lastGroup.alternation)) safe = false;
      top.quantified = true;
      atom = false;
      lastGroup = undefined;
    } else {
      atom = c !== '^' && c !== '$';
      lastGroup = undefined;
    }
  }
  const anchored = pattern.startsWith('^') && !topAlternation;
  const degree = quantifiers + (anchored ? 0 : 1);
  const maxNativeLength = !safe ? -1 : degree === 0 ? Number.MAX_SAFE_INTEGER : Math.floor(Math.pow(STEP_BUDGET, 1 / degree));
  return { backtrackSafe: safe, degree, maxNativeLength };
}

export const schemaRegExpEngine: RegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    let re2: RE2JS;
    try {
      re2 = RE2JS.compile(pattern);
    } catch (err) {
      throw new Error(`pattern "${pattern.slice(0, 120)}" is not supported by the linear-time regex engine (${err instanceof Error ? err.message : String(err)}); rewrite it without lookaround or backreferences`);
    }
    const { maxNativeLength } = analysePattern(pattern);
    let native: RegExp | undefined;
    try {
      native = maxNativeLength >= 0 ? new RegExp(pattern, flags) : undefined;
    } catch {
      native = undefined;
    }
    return {
      test: native ? (s: string) => (s.length <= maxNativeLength ? native!.test(s) : re2.test(s)) : (s: string) => re2.test(s),
      toString: () => `/${pattern}/${flags}`,
    };
  },
  { code: 'portcullisSchemaRegExp' },
);
