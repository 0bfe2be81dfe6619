/**
 * Required-literal prefilter: from the AST, a small set of lower-cased strings such that every match contains at
 * least one of them. Most attack patterns need a keyword benign traffic lacks, so the regex engine only runs on
 * inputs that contain one; this is what lets the linear (slower) engine be the default without paying for it.
 */
import type { Node } from './ast.js';
import { setSize } from './emit.js';

const MAX_EXACT = 24;
const MAX_REQUIRED = 24;

interface Info {
  /** Every string the node can match (lower-cased), when few; null when unbounded or too many. */
  exact: Set<string> | null;
  /** A set of which every match contains one; null when nothing is required. */
  required: Set<string> | null;
  /** Several such sets, all required at once (a conjunction), best first. */
  all: Array<Set<string>>;
}

const MAX_SETS = 3;

function bestSets(sets: Array<Set<string> | null>): Array<Set<string>> {
  const out: Array<Set<string>> = [];
  const seen = new Set<string>();
  for (const s of sets) {
    if (!s || score(s) <= 0) continue;
    const key = [...s].sort().join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  out.sort((a, b) => score(b) - score(a));
  // A set implied by a better one (each of its strings contains one of the weaker set's) adds no filtering.
  const kept: Array<Set<string>> = [];
  for (const set of out) {
    if (kept.some((better) => [...better].every((x) => [...set].some((y) => x.includes(y))))) continue;
    kept.push(set);
    if (kept.length === MAX_SETS) break;
  }
  return kept;
}

function lowerChars(set: Uint8Array): Set<string> | null {
  if (setSize(set) > 8) return null;
  const out = new Set<string>();
  for (let c = 0; c < 256; c++) if (set[c]) out.add(String.fromCharCode(c).toLowerCase());
  return out;
}

function score(s: Set<string> | null): number {
  if (!s || s.size === 0 || s.size > MAX_REQUIRED) return -1;
  let min = Infinity;
  for (const x of s) min = Math.min(min, x.length);
  if (min === 0) return -1;
  // Longer minimum literal filters better; many alternatives cost more indexOf calls.
  return min * 10 - s.size / 4;
}

function better(a: Set<string> | null, b: Set<string> | null): Set<string> | null {
  return score(b) > score(a) ? b : a;
}

function cross(a: Set<string>, b: Set<string>): Set<string> | null {
  if (a.size * b.size > MAX_EXACT) return null;
  const out = new Set<string>();
  for (const x of a) for (const y of b) out.add(x + y);
  return out;
}

function union(a: Set<string> | null, b: Set<string> | null): Set<string> | null {
  if (!a || !b) return null;
  const out = new Set([...a, ...b]);
  return out.size > MAX_REQUIRED ? null : out;
}

function info(n: Node): Info {
  switch (n.t) {
    case 'set': {
      const ex = lowerChars(n.set);
      return { exact: ex, required: ex, all: bestSets([ex]) };
    }
    case 'any': return { exact: null, required: null, all: [] };
    case 'assert': return { exact: new Set(['']), required: null, all: [] };
    case 'group': return info(n.body);
    case 'alt': {
      const parts = n.items.map(info);
      let exact: Set<string> | null = new Set();
      let required: Set<string> | null = new Set();
      for (const p of parts) {
        exact = exact && p.exact ? union(exact, p.exact) : null;
        required = union(required, p.required ?? p.exact);
      }
      if (exact && exact.size > MAX_EXACT) exact = null;
      const req = exact ? better(required, exact) : required;
      return { exact, required: req, all: bestSets([req]) };
    }
    case 'rep': {
      const b = info(n.body);
      if (n.min === 0) return { exact: n.max === 1 && b.exact ? new Set([...b.exact, '']) : null, required: null, all: [] };
      if (n.min === 1 && n.max === 1) return b;
      return { exact: null, required: better(b.required, b.exact), all: bestSets([...b.all, b.exact]) };
    }
    case 'cat': {
      let best: Set<string> | null = null;
      let run: Set<string> = new Set(['']);
      let complete = true;
      const candidates: Array<Set<string> | null> = [];
      for (const item of n.items) {
        const i = info(item);
        best = better(best, i.required);
        candidates.push(...i.all);
        if (i.exact) {
          const joined = cross(run, i.exact);
          if (joined) { run = joined; continue; }
        }
        complete = false;
        best = better(best, run);
        candidates.push(run);
        run = i.exact ? new Set(i.exact) : new Set(['']);
      }
      best = better(best, run);
      candidates.push(run, best);
      return { exact: complete ? run : null, required: best, all: bestSets(candidates) };
    }
  }
}

/**
 * Sets of lower-cased literals that every match must draw from, all at once (a conjunction of alternatives),
 * best first; empty when the pattern has no useful ones.
 */
export function requiredLiteralSets(n: Node): string[][] {
  return info(n).all.map((set) => {
    const list = [...set].sort((a, b) => a.length - b.length);
    const kept: string[] = [];
    for (const x of list) if (!kept.some((k) => x.includes(k))) kept.push(x);
    return kept;
  });
}

/** The required lower-cased literals of a pattern, or undefined when it has no useful ones. */
export function requiredLiterals(n: Node): string[] | undefined {
  const i = info(n);
  const req = better(i.required, i.exact);
  if (score(req) <= 0 || !req) return undefined;
  // Drop strings that contain another member: the shorter one already covers them.
  const list = [...req].sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const s of list) if (!kept.some((k) => s.includes(k))) kept.push(s);
  return kept;
}
