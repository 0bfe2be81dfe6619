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

/**
 * Plan parts shared by the rules of one rule set: CRS repeats a few target lists (`REQUEST_COOKIES|...|ARGS`)
 * and tag lists over hundreds of rules, and one shared copy stays in the CPU caches while a request steps
 * through them, where a copy per rule is a few more cache lines to fetch per rule.
 */
export class PlanParts {
  readonly targets = new Map<string, readonly TargetPlan[]>();
  readonly target = new Map<string, TargetPlan>();
  readonly tags = new Map<string, readonly number[]>();
}

/** The rule's plan, built on first use (a rule is not changed once its rule set is compiled). */
export function rulePlan(rule: CompiledRule, shared?: PlanParts): RulePlan {
  return (rule.plan ??= buildPlan(rule, shared));
}

function targetPlans(rule: CompiledRule, shared: PlanParts | undefined): TargetPlan[] {
  return rule.targets.map((target): TargetPlan => {
    const { def } = target;
    const excluded = rule.exclusions.filter((x) => x.name === def.name);
    const identity = shared && excluded.every((x) => x.text !== undefined) ? `${target.text}!${excluded.map((x) => x.text).join('|')}` : undefined;
    const known = identity !== undefined ? shared!.target.get(identity) : undefined;
    if (known) return known;
    const plan: TargetPlan = {
      target,
      excluded: def.collection ? excluded : [],
      never: !def.collection && excluded.some((x) => !x.key),
      namePrefix: def.collection ? `${def.name}:` : def.name,
    };
    if (identity !== undefined) shared!.target.set(identity, plan);
    return plan;
  });
}

function buildPlan(rule: CompiledRule, shared: PlanParts | undefined): RulePlan {
  let targets: readonly TargetPlan[] | undefined;
  let tagIds: readonly number[] | undefined;
  // Two target lists with the same text (exclusions included) resolve the same values the same way.
  const identity = rule.exclusions.every((x) => x.text !== undefined)
    ? `${rule.targets.map((t) => t.text).join('|')}!${rule.exclusions.map((x) => x.text).join('|')}`
    : undefined;
  if (shared && identity !== undefined) targets = shared.targets.get(identity);
  if (!targets) {
    targets = targetPlans(rule, shared);
    if (shared && identity !== undefined) shared.targets.set(identity, targets);
  }
  const tagKey = rule.tags.join('\n');
  if (shared) tagIds = shared.tags.get(tagKey);
  if (!tagIds) {
    tagIds = rule.tags.map(internTag);
    if (shared) shared.tags.set(tagKey, tagIds);
  }
  return { targets, tagIds, chain: rule.transforms.length === 0 ? -1 : chainSlot(rule.transformKey) };
}
