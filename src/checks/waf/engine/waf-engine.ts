/**
 * Runs a compiled rule set over one request: phase 1 (headers), body processing, phase 2 (body), and phase 5
 * (logging rules over the request's scores). Response phases never run: ext_authz sees no response.
 */
import type { CompiledRuleSet } from './compile.js';
import { evaluatePhase } from './evaluate.js';
import type { WafInput } from './input.js';
import { defaultProcessor, processRequestBody } from './request-body.js';
import { Transaction, type Interruption, type MatchLogEntry } from './transaction.js';
import type { EngineMode } from './types.js';

export interface WafResult {
  interruption: Interruption | undefined;
  /** Every rule that matched, in order (including `nolog` ones, flagged). */
  log: MatchLogEntry[];
  /** The engine mode in force at the end (rules may change it with ctl:ruleEngine). */
  engine: EngineMode;
  tx: Transaction;
}

export function runWaf(rs: CompiledRuleSet, input: WafInput, engine: EngineMode = rs.settings.engine): WafResult {
  const tx = new Transaction(input, engine, rs.settings.requestBodyAccess, rs.settings.argumentsLimit);
  tx.processor = defaultProcessor(tx.header('content-type'));
  let r = evaluatePhase(rs, tx, 1);
  if (r !== 'interrupted') {
    tx.body = processRequestBody(tx, rs.settings);
    r = evaluatePhase(rs, tx, 2);
  }
  if (r !== 'interrupted') evaluatePhase(rs, tx, 5);
  return { interruption: tx.interruption, log: tx.log, engine: tx.engine, tx };
}
