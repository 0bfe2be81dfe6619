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

// Key index per collection array: arrays are rebuilt when a collection changes, so identity is a safe key.
const indexes = new WeakMap<readonly Entry[], Map<string, Entry[]>>();

function keyIndex(all: readonly Entry[]): Map<string, Entry[]> {
  let idx = indexes.get(all);
  if (!idx) {
    idx = new Map();
    for (const e of all) {
      const k = e.key.toLowerCase();
      const list = idx.get(k);
      if (list) list.push(e);
      else idx.set(k, [e]);
    }
    indexes.set(all, idx);
  }
  return idx;
}

const NONE: readonly Entry[] = [];

export function collection(name: string, get: (tx: Transaction) => readonly Entry[]): VariableDef {
  return {
    name,
    collection: true,
    get,
    getKey(tx, lkey) {
      const all = get(tx);
      if (all.length === 0) return NONE;
      if (all.length < 4) {
        let out: Entry[] | undefined;
        for (const e of all) if (e.key.length === lkey.length && e.key.toLowerCase() === lkey) (out ??= []).push(e);
        return out ?? NONE;
      }
      return keyIndex(all).get(lkey) ?? NONE;
    },
  };
}

/** The names of a collection as a collection (`ARGS_NAMES`: key and value are the name). */
export function names(name: string, get: (tx: Transaction) => readonly Entry[]): VariableDef {
  return collection(name, (tx) => get(tx).map((e) => ({ key: e.key, value: e.key })));
}

export const EMPTY: readonly Entry[] = [];
