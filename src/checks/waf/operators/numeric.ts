/** Numeric comparisons; both sides parsed as C's atoi does (leading integer, else 0). Arguments may hold macros. */
import { compileMacro, hasMacro } from '../engine/macro.js';
import type { OperatorFn } from '../engine/types.js';
import type { OperatorFactory } from './types.js';

const ATOI = /^\s*([+-]?\d+)/;

export function atoi(s: string): number {
  // Most operands are short plain decimals (scores, levels, counts): parsed without the regex.
  const n = s.length;
  if (n > 0 && n < 16) {
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (i === n) return v;
  }
  const m = ATOI.exec(s);
  return m ? Number(m[1]) : 0;
}

function compare(test: (a: number, b: number) => boolean): OperatorFactory {
  return (arg): OperatorFn | string => {
    if (!hasMacro(arg)) {
      const n = atoi(arg);
      return (_tx, input) => test(atoi(input), n);
    }
    const macro = compileMacro(arg);
    if (typeof macro === 'string') return macro;
    return (tx, input) => test(atoi(input), atoi(macro.expand(tx)));
  };
}

export const eq = compare((a, b) => a === b);
export const ge = compare((a, b) => a >= b);
export const gt = compare((a, b) => a > b);
export const le = compare((a, b) => a <= b);
export const lt = compare((a, b) => a < b);
