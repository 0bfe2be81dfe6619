/**
 * Rule evaluation for one transaction and phase: targets resolved and filtered by exclusions, transformation
 * chains applied (cached per transaction), the operator run per value, chains followed, then actions: setvar
 * and initcol per match (as ModSecurity does, so a chain can use what its first rule captured), ctl, the log
 * entry, the disruptive action, and flow (skipAfter, skip, allow).
 */
import type { CompiledRuleSet } from './compile.js';
import { atoi } from '../operators/numeric.js';
import type { MatchLogEntry, Transaction } from './transaction.js';
import type { CompiledRule, Entry, Match } from './types.js';
import { applyCtl } from './ctl.js';
import { rulePlan, type RulePlan, type TargetPlan } from './rule-plan.js';
import { missesASet } from '../regex/byte-regex.js';
import { VarCollection } from './var-collection.js';
import { applyTransforms, candidates, finalValue, hasRuntimeExclusions, resolve, runtimeExclusions, NO_EXCLUSIONS } from './rule-values.js';

function runSetvars(tx: Transaction, rule: CompiledRule): void {
  for (const sv of rule.setvars) {
    const key = sv.key.expand(tx);
    const lkey = key.toLowerCase();
    let coll: VarCollection;
    if (sv.collection === 'tx') coll = tx.tx;
    else {
      let c = tx.collections.get(sv.collection);
      if (!c) { c = new VarCollection(); tx.collections.set(sv.collection, c); }
      coll = c;
    }
    if (sv.op === 'delete') { coll.delete(lkey); continue; }
    const value = sv.value.expand(tx);
    if (sv.op === 'set') { coll.set(key, value, lkey); continue; }
    const cur = atoi(coll.get(lkey)?.value ?? '0');
    const delta = atoi(value);
    coll.set(key, String(sv.op === 'add' ? cur + delta : cur - delta), lkey);
  }
  for (const ic of rule.initcols) {
    // Persistent collections live for the request only: an ext_authz replica keeps no per-client store here.
    if (!tx.collections.has(ic.collection)) tx.collections.set(ic.collection, new VarCollection());
  }
}


const NO_MATCH: Match[] = [];
/** What a rule without an operator (SecAction) matches. */
const UNCONDITIONAL: readonly Match[] = [{ name: '', value: '' }];

/** Evaluates one rule (not its chain); returns its matches (empty = no match). */
export function evalRule(tx: Transaction, rule: CompiledRule): readonly Match[] {
  const plan = rulePlan(rule);
  if (plan.fn === undefined) {
    runSetvars(tx, rule);
    return UNCONDITIONAL;
  }
  const runtime = hasRuntimeExclusions(tx) ? runtimeExclusions(tx, rule, plan) : NO_EXCLUSIONS;
  const slot = plan.chain;
  const multiMatch = plan.multiMatch;
  let matches = NO_MATCH;
  const targets = plan.targets;
  for (let t = 0; t < targets.length; t++) {
    const tp = targets[t]!;
    const entries = resolve(tx, tp, runtime);
    if (tp.target.count) {
      const v = applyTransforms(rule, String(entries.length));
      if (opMatches(tx, plan, v)) matches = record(tx, rule, matches, tp.target.text, v);
      continue;
    }
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      if (multiMatch) {
        if (slot < 0) {
          if (opMatches(tx, plan, e.value)) matches = record(tx, rule, matches, matchName(tp, e), e.value);
          continue;
        }
        const list = candidates(tx, slot, e.value);
        for (let c = 0; c < list.length; c++) {
          const v = list[c]!;
          if (opMatches(tx, plan, v)) {
            matches = record(tx, rule, matches, matchName(tp, e), v);
            break;
          }
        }
        continue;
      }
      const v = slot < 0 ? e.value : finalValue(tx, slot, e.value);
      if (opMatches(tx, plan, v)) matches = record(tx, rule, matches, matchName(tp, e), v);
    }
  }
  return matches;
}

/**
 * The operator's verdict on one value, negation applied; a prefilter rejection skips the operator. The plan's
 * copy of the literal ids is read when the value's scan knows them all (LiteralFilter decides otherwise).
 */
function opMatches(tx: Transaction, plan: RulePlan, v: string): boolean {
  if (plan.filter !== undefined) {
    const scan = tx.literals(v);
    if (plan.maxId < scan.size ? missesASet(plan.ids, plan.idsAt, plan.idsEnd, scan) : plan.filter.rejects(scan)) return plan.negated;
  }
  return plan.fn!(tx, v, plan.capture) !== plan.negated;
}

function matchName(tp: TargetPlan, e: Entry): string {
  return tp.target.def.collection ? tp.namePrefix + e.key : tp.namePrefix;
}

function record(tx: Transaction, rule: CompiledRule, matches: Match[], name: string, value: string): Match[] {
  if (matches === NO_MATCH) matches = [];
  matches.push({ name, value });
  tx.matchedVar = value;
  tx.matchedVarName = name;
  runSetvars(tx, rule);
  return matches;
}

function evalChain(tx: Transaction, starter: CompiledRule): boolean {
  let rule: CompiledRule | undefined = starter;
  while (rule) {
    tx.rule = starter;
    const matches = evalRule(tx, rule);
    if (matches.length === 0) return false;
    tx.setMatches(matches);
    rule = rule.chain;
  }
  return true;
}

export type PhaseResult = 'continue' | 'interrupted' | 'allowed';

/** The log entry of a rule (chain) that matched, from the transaction's match state. */
export function logEntry(tx: Transaction, rule: CompiledRule, phase: number): MatchLogEntry {
  return {
    id: rule.id,
    phase,
    msg: rule.msg ? rule.msg.expand(tx) : '',
    data: rule.logdata ? rule.logdata.expand(tx) : '',
    severity: rule.severity,
    tags: rule.tags,
    varName: tx.matchedVarName,
    varValue: tx.matchedVar,
    logged: rule.log,
  };
}

/** Where evaluation resumes after the rule at `at` matched: its skipAfter marker, its skip count, or the next rule. */
export function flowTarget(markers: ReadonlyMap<string, number>, rule: CompiledRule, at: number): number {
  if (rule.skipAfter !== undefined) {
    const to = markers.get(rule.skipAfter);
    return to !== undefined && to > at ? to : at + 1;
  }
  return rule.skip !== undefined ? at + 1 + rule.skip : at + 1;
}

export function evaluatePhase(rs: CompiledRuleSet, tx: Transaction, phase: number): PhaseResult {
  if (tx.engine === 'Off' || tx.allowedThroughPhase >= phase) return 'continue';
  const list = rs.phases.get(phase) ?? [];
  const markers = rs.markers.get(phase)!;
  // Rules whose outcome the compiler worked out (engine/fold.ts): a folded prelude, no-ops and fixed matches.
  const fold = rs.folds.get(phase)!;
  const { next, fired, prelude } = fold;
  if (prelude) {
    tx.tx.copyFrom(prelude.tx);
    // The folded log entries are frozen and shared by every transaction (no copy to allocate and fill).
    for (const e of prelude.log) tx.log.push(e);
    tx.setMatches(prelude.matches);
  }
  let i = fold.start;
  while (i < list.length) {
    const to = next[i]!;
    if (to >= 0) {
      const f = fired[i];
      if (f === undefined) { i = to; continue; }
      const rule = list[i]!;
      if ((tx.removedRanges.length > 0 || tx.removedTags.length > 0) && tx.isRemoved(rule.id, rule.tags)) { i++; continue; }
      tx.rule = rule;
      tx.matchedVar = f.varValue;
      tx.matchedVarName = f.varName;
      tx.setMatches(f.matches);
      tx.log.push(f.entry);
      i = to;
      continue;
    }
    const rule = list[i]!;
    if (tx.isRemoved(rule.id, rule.tags)) { i++; continue; }
    tx.matchedVar = '';
    tx.matchedVarName = '';
    if (!evalChain(tx, rule)) { i++; continue; }

    for (let r: CompiledRule | undefined = rule; r; r = r.chain) for (const c of r.ctls) applyCtl(tx, c.name, c.value.expand(tx));
    tx.log.push(logEntry(tx, rule, phase));

    const d = rule.disruptive;
    if ((d === 'deny' || d === 'drop' || d === 'redirect') && tx.engine === 'On') {
      tx.interruption = { ruleId: rule.id, status: rule.status ?? 403, action: d };
      return 'interrupted';
    }
    if (d === 'allow' && tx.engine === 'On') {
      tx.allowedThroughPhase = rule.allowScope === 'phase' ? phase : rule.allowScope === 'request' ? Math.max(phase, 2) : 5;
      return 'allowed';
    }
    i = flowTarget(markers, rule, i);
  }
  return 'continue';
}
