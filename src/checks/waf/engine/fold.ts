/**
 * Compile-time partial evaluation of a rule set: what every transaction would compute the same way is
 * computed once, when the rule set is compiled.
 *
 *  - The prelude: the longest run of phase-1 rules from the start that read and write nothing but TX (CRS's
 *    setup and 901 initialisation: defaults, scores set to 0). It is simulated on an empty transaction; each
 *    transaction starts phase 1 with a copy of the TX collection, the log entries and the match state the
 *    simulation ended with, at the rule where it stopped. Nothing has run before it, so no `ctl` can have
 *    removed one of its rules.
 *  - Constant rules after it: a rule (chain) that reads only TX variables no rule outside the prelude can
 *    write (`TX:detection_paranoia_level` in CRS's paranoia-level gates), writes nothing, and has no ctl, no
 *    disruptive action and no macro in its message, has the same outcome in every transaction. One whose
 *    first rule never matches is a no-op, whatever that rule would write or do on a match (runs of them become
 *    one jump); one that always matches becomes its recorded effects (match state, log entry) and a jump to
 *    where its skipAfter/skip leads. A `ctl` rule
 *    removal is honoured at run time (a removed constant rule is stepped over, as the evaluator would), and
 *    rules a `ctl:ruleRemoveTargetBy*` may name are never folded.
 *
 * "No rule can write it" is decided over every setvar outside the prelude, a macro key (`tx.rfi_parameter_%{...}`)
 * counting as a write of every key with its literal prefix, and `capture` as a write of TX:0-9.
 */
import type { CompiledRule, CompiledTarget, Match } from './types.js';
import { Transaction, type MatchLogEntry } from './transaction.js';
import { VarCollection } from './var-collection.js';
import { evalRule, flowTarget, logEntry } from './evaluate.js';
import { hasMacro, macroRefs } from './macro.js';

/**
 * The recorded effects of a constant rule (chain) that always matches. Its log entry (like the prelude's) is
 * frozen and pushed as is onto every transaction's log.
 */
export interface Fired {
  readonly matches: readonly Match[];
  readonly varName: string;
  readonly varValue: string;
  readonly entry: MatchLogEntry;
}

/** The state the phase-1 prelude leaves a transaction in. */
export interface Prelude {
  readonly tx: VarCollection;
  readonly log: readonly MatchLogEntry[];
  readonly matches: readonly Match[];
}

export interface PhaseFold {
  /** The index evaluation starts at (after the prelude, and any no-ops right after it). */
  readonly start: number;
  /** Phase 1 only: the state every transaction starts with. */
  readonly prelude: Prelude | undefined;
  /** Per rule index: -1 to evaluate the rule; else where to continue (a no-op's, or a fired rule's, target). */
  readonly next: Int32Array;
  /** Per rule index: the effects of a constant rule that always matches (undefined: a no-op, or evaluated). */
  readonly fired: ReadonlyArray<Fired | undefined>;
}

/** Operators whose verdict depends on their input (and macros in their argument) only. */
const PURE_OPERATORS = new Set([
  'eq', 'ge', 'gt', 'le', 'lt', 'streq', 'within', 'contains', 'containsword', 'beginswith', 'endswith', 'rx', 'pm',
  'strmatch', 'unconditionalmatch', 'nomatch',
]);

/** Variables the prelude may read: the TX collection and match state, which only earlier prelude rules set. */
const PRELUDE_VARS = new Set(['TX', 'MATCHED_VAR', 'MATCHED_VAR_NAME', 'MATCHED_VARS', 'MATCHED_VARS_NAMES', 'RULE']);

type RefOk = (name: string, key: string | undefined) => boolean;

function macroOk(text: string | undefined, ok: RefOk): boolean {
  return text === undefined || macroRefs(text).every((r) => ok(r.name, r.key));
}

/** The rule (one link) reads only what `ok` and `targetOk` allow, through an operator with no side effect. */
function readsOk(link: CompiledRule, ok: RefOk, targetOk: (t: CompiledTarget) => boolean): boolean {
  const op = link.operator;
  if (op !== undefined) {
    if (link.capture || !PURE_OPERATORS.has(op.name.toLowerCase())) return false;
    if (!macroOk(op.arg, ok)) return false;
  }
  return link.targets.every(targetOk);
}

/** The rule and the rules chained to it, in order. */
export function chainLinks(rule: CompiledRule): CompiledRule[] {
  const out: CompiledRule[] = [];
  for (let r: CompiledRule | undefined = rule; r; r = r.chain) out.push(r);
  return out;
}

/** What a whole chain does when it matched, beyond its log entry and flow: nothing, for a foldable rule. */
function matchedEffectsOk(rule: CompiledRule, ok: RefOk): boolean {
  if (rule.disruptive !== undefined && rule.disruptive !== 'pass') return false;
  if (chainLinks(rule).some((l) => l.ctls.length > 0)) return false;
  return macroOk(rule.msg?.text, ok) && macroOk(rule.logdata?.text, ok);
}

const preludeRef: RefOk = (name) => PRELUDE_VARS.has(name);
const preludeTarget = (t: CompiledTarget): boolean => PRELUDE_VARS.has(t.def.name);

/**
 * Runs phase 1 from its first rule on `sim` while every rule is request-independent; returns the index of the
 * first rule that is not (the transaction state then is what every transaction has there).
 */
function runPrelude(list: readonly CompiledRule[], markers: ReadonlyMap<string, number>, sim: Transaction): number {
  let i = 0;
  while (i < list.length) {
    const rule = list[i]!;
    const saved = new VarCollection();
    saved.copyFrom(sim.tx);
    const savedLog = sim.log.length;
    const savedMatches = sim.lastMatches;
    const restore = (): number => {
      sim.tx.copyFrom(saved);
      sim.log.length = savedLog;
      sim.setMatches(savedMatches);
      sim.collections.clear();
      return i;
    };
    sim.matchedVar = '';
    sim.matchedVarName = '';
    let matched = true;
    for (let link: CompiledRule | undefined = rule; link; link = link.chain) {
      sim.rule = rule;
      if (!readsOk(link, preludeRef, preludeTarget)) return restore();
      const matches = evalRule(sim, link);
      if (matches.length === 0) { matched = false; break; }
      // It matched, so its setvars ran: they must have read and written nothing but TX.
      if (link.initcols.length > 0) return restore();
      if (!link.setvars.every((sv) => sv.collection === 'tx' && macroOk(sv.key.text, preludeRef) && macroOk(sv.value.text, preludeRef))) return restore();
      sim.setMatches(matches);
    }
    if (!matched) { i++; continue; }
    if (!matchedEffectsOk(rule, preludeRef)) return restore();
    sim.log.push(logEntry(sim, rule, 1));
    i = flowTarget(markers, rule, i);
  }
  return i;
}

/** TX keys some rule outside the prelude may write. */
class Writes {
  private readonly keys = new Set<string>();
  private readonly prefixes: string[] = [];

  add(rule: CompiledRule): void {
    for (const link of chainLinks(rule)) {
      if (link.capture) for (let d = 0; d < 10; d++) this.keys.add(String(d));
      for (const sv of link.setvars) {
        if (sv.collection !== 'tx') continue;
        const text = sv.key.text;
        if (hasMacro(text)) this.prefixes.push(text.slice(0, text.indexOf('%{')).toLowerCase());
        else this.keys.add(text.toLowerCase());
      }
    }
  }

  mayWrite(lkey: string): boolean {
    return this.keys.has(lkey) || this.prefixes.some((p) => lkey.startsWith(p));
  }
}

/** Rule ids and tags a `ctl:ruleRemoveTargetById/ByTag` may name; undefined when one is a macro (any rule). */
function targetRemovalSelectors(all: readonly CompiledRule[]): { ids: Set<number>; tags: Set<string> } | undefined {
  const ids = new Set<number>();
  const tags = new Set<string>();
  for (const rule of all) {
    for (const link of chainLinks(rule)) {
      for (const c of link.ctls) {
        if (c.name !== 'ruleremovetargetbyid' && c.name !== 'ruleremovetargetbytag') continue;
        const text = c.value.text;
        const semi = text.indexOf(';');
        const selector = (semi < 0 ? text : text.slice(0, semi)).trim();
        if (hasMacro(selector)) return undefined;
        if (c.name === 'ruleremovetargetbyid') ids.add(Number(selector));
        else tags.add(selector);
      }
    }
  }
  return { ids, tags };
}

/** A constant rule's outcome on `sim` (which holds the prelude's TX): 'noop', its fixed effects, or undefined. */
function constantOutcome(sim: Transaction, rule: CompiledRule, phase: number, stableRef: RefOk, stableTarget: (t: CompiledTarget) => boolean): Fired | 'noop' | undefined {
  sim.matchedVar = '';
  sim.matchedVarName = '';
  let first = true;
  for (let link: CompiledRule | undefined = rule; link; link = link.chain) {
    sim.rule = rule;
    if (!readsOk(link, stableRef, stableTarget)) return undefined;
    const matches = evalRule(sim, link);
    if (matches.length === 0) return first ? 'noop' : undefined;
    // It matched: its setvars ran on the simulation (harmlessly), but they would run in every transaction.
    if (link.setvars.length > 0 || link.initcols.length > 0) return undefined;
    sim.setMatches(matches);
    first = false;
  }
  if (!matchedEffectsOk(rule, stableRef)) return undefined;
  return { matches: sim.lastMatches, varName: sim.matchedVarName, varValue: sim.matchedVar, entry: Object.freeze(logEntry(sim, rule, phase)) };
}

const SIM_INPUT = {
  method: 'GET', uri: '/', protocol: 'HTTP/1.1', headers: [], body: undefined, bodyPartial: false,
  remoteAddr: '', remotePort: 0, serverAddr: '', serverPort: 0, uniqueId: '',
};

export function foldPhases(
  phases: ReadonlyMap<number, readonly CompiledRule[]>,
  markers: ReadonlyMap<number, ReadonlyMap<string, number>>,
): Map<number, PhaseFold> {
  const sim = new Transaction(SIM_INPUT, 'On', true);
  const phase1 = phases.get(1) ?? [];
  const preludeEnd = runPrelude(phase1, markers.get(1)!, sim);
  const preludeTx = new VarCollection();
  preludeTx.copyFrom(sim.tx);
  const prelude: Prelude | undefined = preludeEnd === 0 ? undefined : { tx: preludeTx, log: sim.log.map((e) => Object.freeze(e)), matches: sim.lastMatches };

  const writes = new Writes();
  const all: CompiledRule[] = [];
  for (const [p, list] of phases) {
    list.forEach((rule, i) => {
      all.push(rule);
      if (p !== 1 || i >= preludeEnd) writes.add(rule);
    });
  }
  const removable = targetRemovalSelectors(all);
  const stableRef: RefOk = (name, key) => name === 'TX' && key !== undefined && !writes.mayWrite(key);
  const stableTarget = (t: CompiledTarget): boolean => t.def.name === 'TX' && t.key?.plain !== undefined && !writes.mayWrite(t.key.plain);

  const out = new Map<number, PhaseFold>();
  for (const [p, list] of phases) {
    const n = list.length;
    const from = p === 1 ? preludeEnd : 0;
    const next = new Int32Array(n).fill(-1);
    const fired: Array<Fired | undefined> = new Array<Fired | undefined>(n).fill(undefined);
    const noop = new Uint8Array(n + 1);
    const phaseMarkers = markers.get(p)!;
    for (let i = from; i < n && removable; i++) {
      const rule = list[i]!;
      if (chainLinks(rule).some((l) => removable.ids.has(l.id) || l.tags.some((t) => removable.tags.has(t)))) continue;
      sim.tx.copyFrom(preludeTx);
      sim.collections.clear();
      const r = constantOutcome(sim, rule, p, stableRef, stableTarget);
      if (r === 'noop') noop[i] = 1;
      else if (r !== undefined) fired[i] = r;
    }
    for (let i = n - 1; i >= from; i--) if (noop[i]) next[i] = noop[i + 1] ? next[i + 1]! : i + 1;
    for (let i = from; i < n; i++) {
      if (fired[i] === undefined) continue;
      const to = flowTarget(phaseMarkers, list[i]!, i);
      next[i] = to < n && noop[to] ? next[to]! : to;
    }
    const start = from < n && noop[from] ? next[from]! : from;
    out.set(p, { start, prelude: p === 1 ? prelude : undefined, next, fired });
  }
  return out;
}

/** The same rule set with nothing folded: every rule evaluated (for tests that check folding changes nothing). */
export function unfolded<T extends { readonly phases: ReadonlyMap<number, readonly CompiledRule[]>; readonly folds: ReadonlyMap<number, PhaseFold> }>(rs: T): T {
  const folds = new Map<number, PhaseFold>();
  for (const [p, list] of rs.phases) folds.set(p, { start: 0, prelude: undefined, next: new Int32Array(list.length).fill(-1), fired: [] });
  return { ...rs, folds };
}
