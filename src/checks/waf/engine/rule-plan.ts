/**
 * What the evaluator needs from a rule in the shape it needs it, derived once per rule (after every target
 * update of the rule set is applied) instead of per evaluation: each target with the rule's own exclusions of
 * that variable, the tags as ids (for `ctl:ruleRemoveTargetByTag`), and the slot of its transformation chain
 * in the per-transaction cache.
 */
import type { CompiledRule, CompiledTarget, TargetExclusion } from './types.js';

export interface TargetPlan {
  readonly target: CompiledTarget;
  /** The rule's exclusions naming this target's variable (usually none). */
  readonly excluded: readonly TargetExclusion[];
  /** A scalar removed by a key-less exclusion: it never yields a value. */
  readonly never: boolean;
  /** `NAME:` for collections (the match name is this plus the key), the name itself for scalars. */
  readonly namePrefix: string;
}

export interface RulePlan {
  readonly targets: readonly TargetPlan[];
  /** The rule's tags as ids (see tagId), for `ctl:ruleRemoveTargetByTag` checked against every later rule. */
  readonly tagIds: readonly number[];
  /** Slot of the transformation chain in Transaction.finalValues; -1 when the rule has no transformations. */
  readonly chain: number;
}

/** Tags of compiled rules by id, shared by every rule set of the process. */
const tagIds = new Map<string, number>();

/** The id of a tag some compiled rule carries, or -1 (then no rule has it). */
export function tagId(tag: string): number {
  return tagIds.get(tag) ?? -1;
}

function internTag(tag: string): number {
  let id = tagIds.get(tag);
  if (id === undefined) {
    id = tagIds.size;
    tagIds.set(tag, id);
  }
  return id;
}

/** Transformation chains by identity (names and multiMatch), shared by every rule set of the process. */
const chainSlots = new Map<string, number>();

export function chainSlot(transformKey: string): number {
  let slot = chainSlots.get(transformKey);
  if (slot === undefined) {
    slot = chainSlots.size;
    chainSlots.set(transformKey, slot);
  }
  return slot;
}

/** The rule's plan, built on first use (a rule is not changed once its rule set is compiled). */
export function rulePlan(rule: CompiledRule): RulePlan {
  return (rule.plan ??= buildPlan(rule));
}

function buildPlan(rule: CompiledRule): RulePlan {
  const targets = rule.targets.map((target): TargetPlan => {
    const { def } = target;
    const excluded = rule.exclusions.filter((x) => x.name === def.name);
    return {
      target,
      excluded: def.collection ? excluded : [],
      never: !def.collection && excluded.some((x) => !x.key),
      namePrefix: def.collection ? `${def.name}:` : def.name,
    };
  });
  return { targets, tagIds: rule.tags.map(internTag), chain: rule.transforms.length === 0 ? -1 : chainSlot(rule.transformKey) };
}
