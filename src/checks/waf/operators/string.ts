/**
 * String operators: `@streq`, `@contains`, `@containsWord`, `@beginsWith`, `@endsWith`, `@within`, `@strmatch`,
 * `@pm`, `@pmFromFile` (case-insensitive phrase sets). Arguments may hold macros, expanded per evaluation.
 */
import type { OperatorFn } from '../engine/types.js';
import { compileMacro, hasMacro } from '../engine/macro.js';
import type { Transaction } from '../engine/transaction.js';
import { AhoCorasick } from './aho-corasick.js';
import type { OperatorFactory } from './types.js';

function withArg(arg: string, test: (input: string, arg: string) => boolean, captureArg = false): OperatorFn | string {
  const captureMatch = (tx: Transaction, value: string) => { if (captureArg) tx.setTx('0', value); };
  if (!hasMacro(arg)) {
    return (tx, input, capture) => {
      const ok = test(input, arg);
      if (ok && capture) captureMatch(tx, arg);
      return ok;
    };
  }
  const macro = compileMacro(arg);
  if (typeof macro === 'string') return macro;
  return (tx, input, capture) => {
    const a = macro.expand(tx);
    const ok = test(input, a);
    if (ok && capture) captureMatch(tx, a);
    return ok;
  };
}

export const streq: OperatorFactory = (arg) => withArg(arg, (i, a) => i === a, true);
export const contains: OperatorFactory = (arg) => withArg(arg, (i, a) => i.includes(a), true);
export const beginsWith: OperatorFactory = (arg) => withArg(arg, (i, a) => i.startsWith(a), true);
export const endsWith: OperatorFactory = (arg) => withArg(arg, (i, a) => i.endsWith(a), true);
export const within: OperatorFactory = (arg) => withArg(arg, (i, a) => i.length > 0 && a.includes(i));
export const containsWord: OperatorFactory = (arg) =>
  withArg(arg, (i, a) => {
    if (a === '') return true;
    let from = 0;
    for (;;) {
      const at = i.indexOf(a, from);
      if (at < 0) return false;
      const before = at === 0 ? '' : i[at - 1]!;
      const after = i[at + a.length] ?? '';
      if (!/\w/.test(before) && !/\w/.test(after)) return true;
      from = at + 1;
    }
  });
export const strmatch: OperatorFactory = (arg) => withArg(arg, (i, a) => i.includes(a));

function phraseOperator(phrases: string[]): OperatorFn {
  const ac = new AhoCorasick(phrases.map((p) => p.toLowerCase()));
  return (tx, input, capture) => {
    const found = ac.find(tx.lower(input));
    if (found === undefined) return false;
    if (capture) tx.setTx('0', found);
    return true;
  };
}

/** `@pm`: space-separated phrases (ModSecurity also accepts a quoted phrase list). */
export const pm: OperatorFactory = (arg) => {
  const phrases = arg.split(/\s+/).filter((p) => p !== '');
  if (phrases.length === 0) return '@pm needs at least one phrase';
  return phraseOperator(phrases);
};

export const pmFromFile: OperatorFactory = (arg, env) => {
  const phrases: string[] = [];
  for (const name of arg.split(/\s+/).filter((p) => p !== '')) {
    let text: string;
    try {
      text = env.readData(name);
    } catch (err) {
      return `cannot read ${name}: ${err instanceof Error ? err.message : String(err)}`;
    }
    for (const line of text.split(/\r?\n/)) {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) continue;
      phrases.push(t);
    }
  }
  if (phrases.length === 0) return '@pmFromFile found no phrases';
  return phraseOperator(phrases);
};
