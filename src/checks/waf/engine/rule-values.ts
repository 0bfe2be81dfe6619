/**
 * The values a rule's operator runs on: targets resolved and filtered by the rule's exclusions and by
 * `ctl` target removals, then transformed (cached per transaction and chain).
 */
import { chainSlotCount, slotParent, slotPath, slotStep, type RulePlan, type TargetPlan } from './rule-plan.js';
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

/** The entries whose key the regex matches. */
function withKey(entries: readonly Entry[], regex: { test(s: string): boolean }): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < entries.length; i++) if (regex.test(entries[i]!.key)) out.push(entries[i]!);
  return out;
}

/** The entries no exclusion naming `name` (all of `excluded` when name is undefined) removes. */
function without(entries: readonly Entry[], excluded: readonly TargetExclusion[], name: string | undefined): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    let removed = false;
    for (let k = 0; k < excluded.length && !removed; k++) {
      const x = excluded[k]!;
      removed = (name === undefined || x.name === name) && keyMatches(x.key, e.key);
    }
    if (!removed) out.push(e);
  }
  return out;
}

// resolve defines no closures: a function whose locals a closure captures allocates a context on every call,
// and resolve runs about a thousand times per request.
export function resolve(tx: Transaction, tp: TargetPlan, runtime: readonly TargetExclusion[]): readonly Entry[] {
  if (tp.never) return NONE;
  const target = tp.target;
  const def = target.def;
  const key = target.key;
  const plain = key?.plain !== undefined && def.getKey !== undefined;
  let entries = plain ? def.getKey!(tx, key.plain!) : def.get(tx);
  if (entries.length === 0) return entries;
  const regex = plain ? undefined : key?.regex;
  const excluded = tp.excluded;
  if (regex !== undefined || excluded.length > 0) {
    // Variables hand out the same list until their values change, so the filtered list is kept with the target
    // plan (shared by the rules with this target) for the list it was filtered from: CRS filters the same
    // headers by the same exclusions rule after rule.
    const memo = tp.memo;
    if (memo.source === entries) entries = memo.result;
    else {
      const source = entries;
      if (regex !== undefined) entries = withKey(entries, regex);
      if (excluded.length > 0) entries = without(entries, excluded, undefined);
      memo.source = source;
      memo.result = entries;
    }
  }
  if (runtime.length === 0) return entries;
  let named = false;
  let keyless = false;
  for (let k = 0; k < runtime.length; k++) {
    if (runtime[k]!.name !== def.name) continue;
    named = true;
    if (!runtime[k]!.key) keyless = true;
  }
  if (!named) return entries;
  if (!def.collection) return keyless ? NONE : entries;
  return without(entries, runtime, def.name);
}

export function applyTransforms(rule: CompiledRule, value: string): string {
  let v = value;
  for (const t of rule.transforms) v = t.fn(v);
  return v;
}

/**
 * The value after the rule's transformation chain, cached per transaction and chain; a chain's result is its
 * last step applied to the (cached) result of the chain without it.
 */
export function finalValue(tx: Transaction, slot: number, value: string): string {
  let bySlot = tx.finalValues.get(value);
  // Sized for every slot up front: filled at scattered slots, a growing array would be copied again and again.
  if (bySlot === undefined) tx.finalValues.set(value, (bySlot = new Array<string | undefined>(chainSlotCount())));
  const v = bySlot[slot];
  return v !== undefined ? v : stepsUpTo(bySlot, slot, value);
}

function stepsUpTo(bySlot: Array<string | undefined>, slot: number, value: string): string {
  const parent = slotParent[slot]!;
  let input = value;
  if (parent >= 0) input = bySlot[parent] ?? stepsUpTo(bySlot, parent, value);
  const out = slotStep[slot]!(input);
  bySlot[slot] = out;
  return out;
}

/**
 * multiMatch: the value before and after each transformation step, a step that changed nothing dropped
 * (cached per transaction and chain).
 */
export function candidates(tx: Transaction, slot: number, value: string): readonly string[] {
  let bySlot = tx.candidateValues.get(value);
  if (bySlot === undefined) tx.candidateValues.set(value, (bySlot = new Array<readonly string[] | undefined>(chainSlotCount())));
  let list = bySlot[slot];
  if (list === undefined) {
    // The value after each step is the chain prefix's result, shared with the rules that are not multiMatch.
    let finals = tx.finalValues.get(value);
    if (finals === undefined) tx.finalValues.set(value, (finals = new Array<string | undefined>(chainSlotCount())));
    const path = slotPath[slot]!;
    const out = [value];
    for (let k = 0; k < path.length; k++) {
      const v = finals[path[k]!] ?? stepsUpTo(finals, path[k]!, value);
      if (v !== out[out.length - 1]) out.push(v);
    }
    list = bySlot[slot] = out;
  }
  return list;
}

