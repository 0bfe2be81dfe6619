/** The operator factory contract: compile an argument once, get a pure matcher, or an error message. */
import type { OperatorFn } from '../engine/types.js';

export interface OperatorEnv {
  /** Reads a data file named by `@pmFromFile` / `@ipMatchFromFile`, relative to the rule file. */
  readData(name: string): string;
}

export type OperatorFactory = (arg: string, env: OperatorEnv) => OperatorFn | string;
