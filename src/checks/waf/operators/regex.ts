/** `@rx`: a byte regex (see regex/byte-regex.ts); with `capture`, groups 0..9 go to TX:0..TX:9. */
import { compileByteRegex } from '../regex/byte-regex.js';
import type { OperatorFactory } from './types.js';
import type { Transaction } from '../engine/transaction.js';

export const rx: OperatorFactory = (arg) => {
  let re;
  try {
    re = compileByteRegex(arg);
  } catch (err) {
    return `bad regex: ${err instanceof Error ? err.message : String(err)}`;
  }
  const fn = (tx: Transaction, input: string, capture: boolean): boolean => {
    const scan = tx.literals(input);
    if (!capture) return re.test(input, scan);
    const m = re.exec(input, scan);
    if (!m) return false;
    for (let i = 0; i < 10; i++) {
      if (i < m.length) tx.setTx(String(i), m[i]!);
      else tx.deleteTx(String(i));
    }
    return true;
  };
  return re.filter ? Object.assign(fn, { filter: re.filter }) : fn;
};
