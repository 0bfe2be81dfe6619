/** Argument variables: query-string (GET) and body (POST) arguments, their names and sizes. */
import type { Entry, VariableDef } from '../engine/types.js';
import type { Transaction } from '../engine/transaction.js';
import { collection, names, scalar } from './define.js';

const allArgs = new WeakMap<Transaction, Entry[]>();

function args(tx: Transaction): Entry[] {
  const post = tx.argsPost;
  if (post.length === 0) return tx.argsGet;
  // The body arguments are known only from phase 2 on; cache per body state.
  let cached = allArgs.get(tx);
  if (!cached || cached.length !== tx.argsGet.length + post.length) {
    cached = [...tx.argsGet, ...post];
    allArgs.set(tx, cached);
  }
  return cached;
}

export const argsVariables: VariableDef[] = [
  collection('ARGS', args),
  names('ARGS_NAMES', args),
  collection('ARGS_GET', (tx) => tx.argsGet),
  names('ARGS_GET_NAMES', (tx) => tx.argsGet),
  collection('ARGS_POST', (tx) => tx.argsPost),
  names('ARGS_POST_NAMES', (tx) => tx.argsPost),
  scalar('ARGS_COMBINED_SIZE', (tx) => {
    let n = 0;
    for (const e of args(tx)) n += e.key.length + e.value.length;
    return n;
  }),
];
