/** Helpers to define variables: scalars computed from the transaction, and keyed collections. */
import type { Transaction } from '../engine/transaction.js';
import type { Entry, VariableDef } from '../engine/types.js';

export function scalar(name: string, get: (tx: Transaction) => string | number | undefined): VariableDef {
  return {
    name,
    collection: false,
    get(tx) {
      const v = get(tx);
      return v === undefined ? [] : [{ key: '', value: typeof v === 'number' ? String(v) : v }];
    },
  };
}

export function collection(name: string, get: (tx: Transaction) => readonly Entry[]): VariableDef {
  return {
    name,
    collection: true,
    get,
    getKey(tx, lkey) {
      const all = get(tx);
      let out: Entry[] | undefined;
      for (const e of all) if (e.key.length === lkey.length && e.key.toLowerCase() === lkey) (out ??= []).push(e);
      return out ?? [];
    },
  };
}

/** The names of a collection as a collection (`ARGS_NAMES`: key and value are the name). */
export function names(name: string, get: (tx: Transaction) => readonly Entry[]): VariableDef {
  return collection(name, (tx) => get(tx).map((e) => ({ key: e.key, value: e.key })));
}

export const EMPTY: readonly Entry[] = [];
