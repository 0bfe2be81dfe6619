/**
 * The values a rule's operator runs on: targets resolved and filtered by the rule's exclusions and by
 * `ctl` target removals, then transformed (cached per transaction and chain).
 */
import type { RulePlan, TargetPlan } from './rule-plan.js';
import type { Transaction } from './transaction.js';
import type { CompiledRule, Entry, TargetExclusion } from './types.js';

function keyMatches(ex: TargetExclusion['key'], key: string): boolean {
  if (!ex) return true;
  if (ex.plain !== undefined) return key.length === ex.plain.length && key.toLowerCase() === ex.plain;
  return ex.regex!.test(key);
}

const NONE: readonly Entry[] = [];
export const NO_EXCLUSIONS: readonly TargetExclusion[] = [];

export function hasRuntimeExclusions(tx: Transaction): boolean {
  return tx.targetRemovalsById.size > 0 || tx.targetRemovalsByTag.length > 0;
}

/** Target removals by `ctl:ruleRemoveTargetById/ByTag` earlier in this transaction that apply to the rule. */
export function runtimeExclusions(tx: Transaction, rule: CompiledRule, plan: RulePlan): readonly TargetExclusion[] {
  let list = NO_EXCLUSIONS;
  if (tx.targetRemovalsById.size > 0) list = tx.targetRemovalsById.get(rule.id) ?? list;
  // CRS removes a target by tag for every request with a plain path (941010): no list is built per rule for it.
  for (const t of tx.targetRemovalsByTag) if (t.tagId >= 0 && plan.tagIds.includes(t.tagId)) list = list.length === 0 ? t.alone : list.concat(t.alone);
  return list;
}

export function resolve(tx: Transaction, tp: TargetPlan, runtime: readonly TargetExclusion[]): readonly Entry[] {
  if (tp.never) return NONE;
  const { def, key } = tp.target;
  let entries: readonly Entry[];
  if (key?.plain !== undefined && def.getKey) entries = def.getKey(tx, key.plain);
  else {
    entries = def.get(tx);
    if (key?.regex && entries.length > 0) entries = entries.filter((e) => key.regex!.test(e.key));
  }
  if (entries.length === 0) return entries;
  const excluded = tp.excluded;
  if (excluded.length > 0) entries = entries.filter((e) => !excluded.some((x) => keyMatches(x.key, e.key)));
  if (runtime.length > 0 && runtime.some((x) => x.name === def.name)) {
    const mine = runtime.filter((x) => x.name === def.name);
    if (mine.length > 0) {
      if (!def.collection) return mine.some((x) => !x.key) ? NONE : entries;
      entries = entries.filter((e) => !mine.some((x) => keyMatches(x.key, e.key)));
    }
  }
  return entries;
}

export function applyTransforms(rule: CompiledRule, value: string): string {
  let v = value;
  for (const t of rule.transforms) v = t.fn(v);
  return v;
}

/** The value after the rule's transformation chain, cached per transaction and chain. */
export function finalValue(tx: Transaction, rule: CompiledRule, slot: number, value: string): string {
  let cache = tx.finalValues[slot];
  if (cache === undefined) cache = tx.finalValues[slot] = new Map();
  let v = cache.get(value);
  if (v === undefined) {
    v = applyTransforms(rule, value);
    cache.set(value, v);
  }
  return v;
}

/**
 * multiMatch: the value before and after each transformation step, a step that changed nothing dropped
 * (cached per transaction and chain).
 */
export function candidates(tx: Transaction, rule: CompiledRule, slot: number, value: string): readonly string[] {
  let cache = tx.candidateValues[slot];
  if (cache === undefined) cache = tx.candidateValues[slot] = new Map();
  let list = cache.get(value);
  if (list === undefined) {
    const out = [value];
    let v = value;
    for (const t of rule.transforms) {
      v = t.fn(v);
      if (v !== out[out.length - 1]) out.push(v);
    }
    list = out;
    cache.set(value, list);
  }
  return list;
}

