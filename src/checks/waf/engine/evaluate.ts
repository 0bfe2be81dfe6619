/**
 * Rule evaluation for one transaction and phase: targets resolved and filtered by exclusions, transformation
 * chains applied (cached per transaction), the operator run per value, chains followed, then actions: setvar
 * and initcol per match (as ModSecurity does, so a chain can use what its first rule captured), ctl, the log
 * entry, the disruptive action, and flow (skipAfter, skip, allow).
 */
import type { CompiledRuleSet } from './compile.js';
import { atoi } from '../operators/numeric.js';
import type { Transaction } from './transaction.js';
import type { CompiledRule, CompiledTarget, Entry, TargetExclusion } from './types.js';
import { applyCtl } from './ctl.js';

interface Match {
  name: string;
  value: string;
}

function keyMatches(ex: TargetExclusion['key'], key: string): boolean {
  if (!ex) return true;
  if (ex.plain !== undefined) return key.length === ex.plain.length && key.toLowerCase() === ex.plain;
  return ex.regex!.test(key);
}

const NO_EXCLUSIONS: TargetExclusion[] = [];

function exclusionsFor(tx: Transaction, rule: CompiledRule): TargetExclusion[] {
  let list = rule.exclusions;
  if (tx.targetRemovalsById.size > 0) {
    const byId = tx.targetRemovalsById.get(rule.id);
    if (byId) list = list.concat(byId);
  }
  if (tx.targetRemovalsByTag.length > 0) {
    for (const t of tx.targetRemovalsByTag) if (rule.tags.includes(t.tag)) list = list.concat([t.exclusion]);
  }
  return list.length === 0 ? NO_EXCLUSIONS : list;
}

function resolve(tx: Transaction, target: CompiledTarget, exclusions: readonly TargetExclusion[]): readonly Entry[] {
  const { def, key } = target;
  let entries: readonly Entry[];
  if (key?.plain !== undefined && def.getKey) entries = def.getKey(tx, key.plain);
  else {
    entries = def.get(tx);
    if (key?.regex) entries = entries.filter((e) => key.regex!.test(e.key));
  }
  if (exclusions.length > 0) {
    const mine = exclusions.filter((x) => x.name === def.name);
    if (mine.length > 0) {
      if (!def.collection) return mine.some((x) => !x.key) ? [] : entries;
      entries = entries.filter((e) => !mine.some((x) => keyMatches(x.key, e.key)));
    }
  }
  return entries;
}

/** The value after each transformation step (the last is the final value). Cached per transaction. */
function transformed(tx: Transaction, rule: CompiledRule, value: string): string[] {
  if (rule.transforms.length === 0) return [value];
  let byValue = tx.transformCache.get(rule.transformKey);
  if (!byValue) { byValue = new Map(); tx.transformCache.set(rule.transformKey, byValue); }
  let steps = byValue.get(value);
  if (steps) return steps;
  steps = [];
  let v = value;
  for (const t of rule.transforms) {
    v = t.fn(v);
    steps.push(v);
  }
  byValue.set(value, steps);
  return steps;
}

function runSetvars(tx: Transaction, rule: CompiledRule): void {
  for (const sv of rule.setvars) {
    const key = sv.key.expand(tx);
    const lkey = key.toLowerCase();
    let coll: Map<string, Entry>;
    if (sv.collection === 'tx') coll = tx.tx;
    else {
      let c = tx.collections.get(sv.collection);
      if (!c) { c = new Map(); tx.collections.set(sv.collection, c); }
      coll = c;
    }
    if (sv.op === 'delete') { coll.delete(lkey); continue; }
    const value = sv.value.expand(tx);
    if (sv.op === 'set') { coll.set(lkey, { key, value }); continue; }
    const cur = atoi(coll.get(lkey)?.value ?? '0');
    const delta = atoi(value);
    coll.set(lkey, { key, value: String(sv.op === 'add' ? cur + delta : cur - delta) });
  }
  for (const ic of rule.initcols) {
    // Persistent collections live for the request only: an ext_authz replica keeps no per-client store here.
    if (!tx.collections.has(ic.collection)) tx.collections.set(ic.collection, new Map());
  }
}


/** Evaluates one rule (not its chain); returns its matches (empty array = no match). */
const NO_MATCH: Match[] = [];

function evalRule(tx: Transaction, rule: CompiledRule): Match[] {
  let matches: Match[] = NO_MATCH;
  const op = rule.operator;
  if (!op) {
    runSetvars(tx, rule);
    return [{ name: '', value: '' }];
  }
  const exclusions = exclusionsFor(tx, rule);
  for (const target of rule.targets) {
    const entries = resolve(tx, target, exclusions);
    const def = target.def;
    if (target.count) {
      const value = String(entries.length);
      const name = target.text;
      const steps = transformed(tx, rule, value);
      const v = steps[steps.length - 1]!;
      let ok = op.fn(tx, v, rule.capture);
      if (op.negated) ok = !ok;
      if (ok) matches = record(tx, rule, matches, name, v);
      continue;
    }
    for (const e of entries) {
      const name = def.collection ? `${def.name}:${e.key}` : def.name;
      const steps = transformed(tx, rule, e.value);
      if (rule.multiMatch) {
        const candidates = [e.value, ...steps];
        let prev: string | undefined;
        for (const v of candidates) {
          if (v === prev) continue;
          prev = v;
          let ok = op.fn(tx, v, rule.capture);
          if (op.negated) ok = !ok;
          if (ok) { matches = record(tx, rule, matches, name, v); break; }
        }
        continue;
      }
      const v = steps[steps.length - 1]!;
      let ok = op.fn(tx, v, rule.capture);
      if (op.negated) ok = !ok;
      if (ok) matches = record(tx, rule, matches, name, v);
    }
  }
  return matches;
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
    tx.matchedVars = matches.map((m) => ({ key: m.name.slice(m.name.indexOf(':') + 1), value: m.value }));
    tx.matchedVarNames = matches.map((m) => ({ key: m.name.slice(m.name.indexOf(':') + 1), value: m.name }));
    rule = rule.chain;
  }
  return true;
}

export type PhaseResult = 'continue' | 'interrupted' | 'allowed';

export function evaluatePhase(rs: CompiledRuleSet, tx: Transaction, phase: number): PhaseResult {
  if (tx.engine === 'Off' || tx.allowedThroughPhase >= phase) return 'continue';
  const list = rs.phases.get(phase) ?? [];
  const markers = rs.markers.get(phase)!;
  let i = 0;
  while (i < list.length) {
    const rule = list[i]!;
    i++;
    if (tx.isRemoved(rule.id, rule.tags)) continue;
    tx.matchedVar = '';
    tx.matchedVarName = '';
    if (!evalChain(tx, rule)) continue;

    for (let r: CompiledRule | undefined = rule; r; r = r.chain) for (const c of r.ctls) applyCtl(tx, c.name, c.value.expand(tx));
    tx.log.push({
      id: rule.id,
      phase,
      msg: rule.msg ? rule.msg.expand(tx) : '',
      data: rule.logdata ? rule.logdata.expand(tx) : '',
      severity: rule.severity,
      tags: rule.tags,
      varName: tx.matchedVarName,
      varValue: tx.matchedVar,
      logged: rule.log,
    });

    const d = rule.disruptive;
    if ((d === 'deny' || d === 'drop' || d === 'redirect') && tx.engine === 'On') {
      tx.interruption = { ruleId: rule.id, status: rule.status ?? 403, action: d };
      return 'interrupted';
    }
    if (d === 'allow' && tx.engine === 'On') {
      tx.allowedThroughPhase = rule.allowScope === 'phase' ? phase : rule.allowScope === 'request' ? Math.max(phase, 2) : 5;
      return 'allowed';
    }
    if (rule.skipAfter !== undefined) {
      const at = markers.get(rule.skipAfter);
      if (at !== undefined && at > i - 1) i = at;
    } else if (rule.skip !== undefined) {
      i += rule.skip;
    }
  }
  return 'continue';
}
