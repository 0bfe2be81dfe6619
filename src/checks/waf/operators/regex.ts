/** `@rx`: a byte regex (see regex/byte-regex.ts); with `capture`, groups 0..9 go to TX:0..TX:9. */
import { compileByteRegex } from '../regex/byte-regex.js';
import type { OperatorFactory } from './types.js';
import type { Transaction } from '../engine/transaction.js';

const GROUP_KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const rx: OperatorFactory = (arg) => {
  let re;
  try {
    re = compileByteRegex(arg);
  } catch (err) {
    return `bad regex: ${err instanceof Error ? err.message : String(err)}`;
  }
  const filtered = re.filter !== undefined;
  const fn = (tx: Transaction, input: string, capture: boolean): boolean => {
    // Only a pattern with required literals uses the value's literal scan.
    const scan = filtered ? tx.literals(input) : undefined;
    if (!capture) return re.test(input, scan);
    const m = re.exec(input, scan);
    if (!m) return false;
    for (let i = 0; i < 10; i++) {
      if (i < m.length) tx.setTx(GROUP_KEYS[i]!, m[i]!);
      else tx.deleteTx(GROUP_KEYS[i]!);
    }
    return true;
  };
  return re.filter ? Object.assign(fn, { filter: re.filter }) : fn;
};
