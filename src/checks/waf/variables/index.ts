/** The variable table: every variable name a rule may target. An unknown name is a policy error. */
import type { VariableDef } from '../engine/types.js';
import { argsVariables } from './args.js';
import { bodyVariables } from './body.js';
import { requestVariables } from './request.js';
import { responseVariables, txVariables } from './tx.js';

const table = new Map<string, VariableDef>();
for (const v of [...requestVariables, ...argsVariables, ...bodyVariables, ...txVariables, ...responseVariables]) table.set(v.name, v);

export function lookupVariable(name: string): VariableDef | undefined {
  return table.get(name.toUpperCase());
}

export { supportedXPaths } from './body.js';
