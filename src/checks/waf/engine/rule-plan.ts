/**
 * What the evaluator needs from a rule in the shape it needs it, derived once per rule (after every target
 * update of the rule set is applied) instead of per evaluation: each target with the rule's own exclusions of
 * that variable, the tags as ids (for `ctl:ruleRemoveTargetByTag`), the slot of its transformation chain in
 * the per-transaction cache, and the operator's function and literal prefilter.
 *
 * A request steps through a couple of hundred rules and, with the gRPC work between two requests, meets them
 * out of the CPU caches: so the plans are small, allocated one after another in evaluation order (neighbours
 * in memory), their prefilters' literal ids are slices of one array, and their target lists are shared.
 */
import type { LiteralFilter } from '../regex/byte-regex.js';
import type { CompiledRule, CompiledTarget, CompiledTransform, Entry, OperatorFn, TargetExclusion, TransformFn } from './types.js';

export interface TargetPlan {
  readonly target: CompiledTarget;
  /** The rule's exclusions naming this target's variable (usually none). */
  readonly excluded: readonly TargetExclusion[];
  /** A scalar removed by a key-less exclusion: it never yields a value. */
  readonly never: boolean;
  /** `NAME:` for collections (the match name is this plus the key), the name itself for scalars. */
  readonly namePrefix: string;
  /** The last list filtered by the key regex and exclusions, and the result (see rule-values.ts resolve). */
  readonly memo: { source: readonly Entry[] | undefined; result: readonly Entry[] };
}

export interface RulePlan {
  /** The operator (undefined for SecAction), whether it is negated, and whether it captures. */
  readonly fn: OperatorFn | undefined;
  readonly negated: boolean;
  readonly capture: boolean;
  readonly multiMatch: boolean;
  /** Slot of the transformation chain in Transaction.finalValues; -1 when the rule has no transformations. */
  readonly chain: number;
  /**
   * The operator's literal prefilter, its highest literal id, and its literal ids (LiteralFilter's flat form)
   * as `ids[idsAt..idsEnd)`.
   */
  readonly filter: LiteralFilter | undefined;
  readonly maxId: number;
  readonly ids: Int32Array;
  readonly idsAt: number;
  readonly idsEnd: number;
  readonly targets: readonly TargetPlan[];
  /** The rule's tags as ids (see tagId), for `ctl:ruleRemoveTargetByTag` checked against every later rule. */
  readonly tagIds: readonly number[];
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

/** Transformation chains by identity (their names), shared by every rule set of the process. */
const chainSlots = new Map<string, number>();
/**
 * Per chain slot: the slot of the chain without its last transformation (-1 when it
 * has one), and that last transformation. A value's result for a chain is then its last step applied to the
 * cached result of the shorter chain: CRS's chains share long prefixes (t:none,t:utf8toUnicode,t:urlDecodeUni,...).
 */
export const slotParent: number[] = [];
export const slotStep: Array<TransformFn | undefined> = [];
/** Per chain slot: the slots of its prefixes, shortest first, ending with itself (for multiMatch). */
export const slotPath: Array<readonly number[] | undefined> = [];

/** How many chain slots there are (the length a per-value array of chain results needs). */
export function chainSlotCount(): number {
  return chainSlots.size;
}

/** The slot of the first `n` transformations as a (not multiMatch) chain, its prefixes registered first. */
function prefixSlot(transforms: readonly CompiledTransform[], n: number): number {
  const key = transforms.slice(0, n).map((t) => t.name.toLowerCase()).join(',');
  let slot = chainSlots.get(key);
  if (slot === undefined) {
    const parent = n > 1 ? prefixSlot(transforms, n - 1) : -1;
    slot = chainSlots.size;
    chainSlots.set(key, slot);
    slotParent[slot] = parent;
    slotStep[slot] = transforms[n - 1]!.fn;
    slotPath[slot] = parent < 0 ? [slot] : [...slotPath[parent]!, slot];
  }
  return slot;
}

/** The rule's chain slot (-1: no transformations); multiMatch rules walk its prefixes (rule-values.ts). */
function ruleSlot(rule: CompiledRule): number {
  return rule.transforms.length === 0 ? -1 : prefixSlot(rule.transforms, rule.transforms.length);
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
export function rulePlan(rule: CompiledRule): RulePlan {
  return (rule.plan ??= buildPlans([rule], new PlanParts())[0]!);
}

/**
 * Plans for rule links in evaluation order (a rule's chain right after it), assigned to them: parts first, then
 * the plan objects back to back.
 */
export function buildPlans(links: readonly CompiledRule[], shared: PlanParts): RulePlan[] {
  const flat: number[] = [];
  const parts = links.map((rule) => {
    const filter = rule.operator?.fn.filter;
    const at = flat.length;
    if (filter) flat.push(...filter.flat);
    return { targets: sharedTargets(rule, shared), tagIds: sharedTags(rule, shared), filter, at, end: flat.length };
  });
  const ids = Int32Array.from(flat);
  return links.map((rule, i) => {
    const { targets, tagIds, filter, at, end } = parts[i]!;
    const plan: RulePlan = {
      fn: rule.operator?.fn,
      negated: rule.operator?.negated ?? false,
      capture: rule.capture,
      multiMatch: rule.multiMatch,
      chain: ruleSlot(rule),
      filter,
      maxId: filter?.maxId ?? -1,
      ids,
      idsAt: at,
      idsEnd: end,
      targets,
      tagIds,
    };
    rule.plan = plan;
    return plan;
  });
}

function targetPlans(rule: CompiledRule, shared: PlanParts): TargetPlan[] {
  return rule.targets.map((target): TargetPlan => {
    const { def } = target;
    const excluded = rule.exclusions.filter((x) => x.name === def.name);
    const without = exclusionsText(excluded);
    const identity = without !== undefined ? `${target.text}!${without}` : undefined;
    const known = identity !== undefined ? shared.target.get(identity) : undefined;
    if (known) return known;
    const plan: TargetPlan = {
      target,
      excluded: def.collection ? excluded : [],
      never: !def.collection && excluded.some((x) => !x.key),
      namePrefix: def.collection ? `${def.name}:` : def.name,
      memo: { source: undefined, result: [] },
    };
    if (identity !== undefined) shared.target.set(identity, plan);
    return plan;
  });
}

/** The exclusions as text (`ARGS:a|ARGS:b`), or undefined when one has none (then nothing is shared). */
function exclusionsText(excluded: readonly TargetExclusion[]): string | undefined {
  return excluded.every((x) => x.text !== undefined) ? excluded.map((x) => x.text).join('|') : undefined;
}

function sharedTargets(rule: CompiledRule, shared: PlanParts): readonly TargetPlan[] {
  // Two target lists with the same text (exclusions included) resolve the same values the same way.
  const without = exclusionsText(rule.exclusions);
  const identity = without !== undefined ? `${rule.targets.map((t) => t.text).join('|')}!${without}` : undefined;
  let targets = identity !== undefined ? shared.targets.get(identity) : undefined;
  if (!targets) {
    targets = targetPlans(rule, shared);
    if (identity !== undefined) shared.targets.set(identity, targets);
  }
  return targets;
}

function sharedTags(rule: CompiledRule, shared: PlanParts): readonly number[] {
  const key = rule.tags.join('\n');
  let ids = shared.tags.get(key);
  if (!ids) {
    ids = rule.tags.map(internTag);
    shared.tags.set(key, ids);
  }
  return ids;
}
