/**
 * Compiled rule shapes shared by the compiler, the evaluator and the operator, transformation and variable
 * tables. All strings the rules see are byte strings (latin1: one char per byte), as CRS assumes.
 */
import type { Transaction } from './transaction.js';
import type { RulePlan } from './rule-plan.js';
import type { LiteralFilter } from '../regex/byte-regex.js';

/** One value of a variable: collection key ('' for scalars) and value. */
export interface Entry {
  readonly key: string;
  readonly value: string;
}

/** A value a rule matched: the variable's full name (`ARGS:id`) and the (transformed) value. */
export interface Match {
  readonly name: string;
  readonly value: string;
}

export interface VariableDef {
  readonly name: string;
  /** Collections take `:key` selectors; scalars do not. */
  readonly collection: boolean;
  get(tx: Transaction): readonly Entry[];
  /** Fast path for a plain key (lower-cased). */
  getKey?(tx: Transaction, lkey: string): readonly Entry[];
}

export interface KeyMatcher {
  /** Lower-cased plain key, or a regex over the key. */
  readonly plain?: string;
  readonly regex?: { test(s: string): boolean };
}

export interface CompiledTarget {
  readonly def: VariableDef;
  readonly key?: KeyMatcher;
  readonly count: boolean;
  /** The text form, for updates and logs (`ARGS:foo`). */
  readonly text: string;
}

export interface TargetExclusion {
  /** Upper-case variable name. */
  readonly name: string;
  readonly key?: KeyMatcher;
  /** The text form without the `!` (`ARGS:foo`), when compiled from a rule's target list. */
  readonly text?: string;
}

export type TransformFn = (input: string) => string;

export interface CompiledTransform {
  readonly name: string;
  readonly fn: TransformFn;
}

/** Runs on one (transformed) value; sets TX:0..9 on the transaction when `capture` is on. */
export type OperatorFn = ((tx: Transaction, input: string, capture: boolean) => boolean) & {
  /**
   * For operators with a literal prefilter (`@rx`): rejects a value whose literal scan shows it cannot match,
   * so the evaluator need not call the operator (which then has no effect either).
   */
  readonly filter?: LiteralFilter;
};

export interface CompiledOperator {
  readonly name: string;
  readonly arg: string;
  readonly negated: boolean;
  readonly fn: OperatorFn;
}

/** Text with `%{VAR.key}` macros, expanded per transaction. */
export interface Macro {
  readonly text: string;
  expand(tx: Transaction): string;
}

export interface SetVarAction {
  readonly collection: string;
  readonly key: Macro;
  /** `=`, `+=`, `-=`, or delete (`!tx.x`). */
  readonly op: 'set' | 'add' | 'sub' | 'delete';
  readonly value: Macro;
}

export interface CtlAction {
  readonly name: string;
  readonly value: Macro;
}

export type Disruptive = 'deny' | 'drop' | 'block' | 'pass' | 'allow' | 'redirect';

export interface CompiledRule {
  readonly id: number;
  readonly phase: number;
  readonly file: string;
  readonly line: number;
  /** Targets; empty for SecAction (unconditional). */
  targets: CompiledTarget[];
  exclusions: TargetExclusion[];
  readonly operator: CompiledOperator | undefined;
  readonly transforms: readonly CompiledTransform[];
  readonly multiMatch: boolean;
  readonly capture: boolean;
  readonly msg?: Macro;
  readonly logdata?: Macro;
  readonly tags: readonly string[];
  readonly severity?: string;
  readonly log: boolean;
  readonly disruptive?: Disruptive;
  readonly allowScope?: 'phase' | 'request' | 'all';
  readonly status?: number;
  readonly skipAfter?: string;
  readonly skip?: number;
  readonly setvars: readonly SetVarAction[];
  readonly ctls: readonly CtlAction[];
  /** The next rule of a chain, evaluated only when this one matched. */
  chain?: CompiledRule;
  readonly initcols: ReadonlyArray<{ readonly collection: string; readonly key: Macro }>;
  /** Derived evaluation data (engine/rule-plan.ts), set when the rule set is compiled. */
  plan?: RulePlan;
}

export interface DefaultActions {
  readonly disruptive: Disruptive;
  readonly status?: number;
  readonly log: boolean;
  readonly transforms: readonly CompiledTransform[];
}

export type EngineMode = 'On' | 'Off' | 'DetectionOnly';
