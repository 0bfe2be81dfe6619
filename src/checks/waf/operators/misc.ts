/** Operators that ignore their input: `@unconditionalMatch`, `@noMatch`. */
import type { OperatorFactory } from './types.js';

export const unconditionalMatch: OperatorFactory = () => () => true;
export const noMatch: OperatorFactory = () => () => false;
