/** Helpers to define variables: scalars computed from the transaction, and keyed collections. */
import type { Transaction } from '../engine/transaction.js';
import type { Entry, VariableDef } from '../engine/types.js';

export const EMPTY: readonly Entry[] = [];

function scalarEntries(v: string | number | undefined): readonly Entry[] {
  return v === undefined ? EMPTY : [{ key: '', value: typeof v === 'number' ? String(v) : v }];
}

export function scalar(name: string, get: (tx: Transaction) => string | number | undefined): VariableDef {
  return { name, collection: false, get: (tx) => scalarEntries(get(tx)) };
}

let requestSlots = 0;

/**
 * A scalar that depends only on the request as received (its line, headers, addresses, raw body): computed on
 * first use and kept for the transaction, since dozens of rules read REQUEST_FILENAME, REQUEST_LINE and the like.
 */
export function requestScalar(name: string, get: (tx: Transaction) => string | number | undefined): VariableDef {
  const slot = requestSlots++;
  return {
    name,
    collection: false,
    get(tx) {
      let v = tx.requestVars[slot];
      if (v === undefined) v = tx.requestVars[slot] = scalarEntries(get(tx));
      return v;
    },
  };
}

// Key index per collection array: arrays are rebuilt when a collection changes, so identity is a safe key.
const indexes = new WeakMap<readonly Entry[], Map<string, Entry[]>>();

// The last list indexed: rules ask for keys of the same list many times in a row (a WeakMap lookup each time
// cost more than the lookup in the index).
let lastIndexed: readonly Entry[] | undefined;
let lastIndex: Map<string, Entry[]> | undefined;

function keyIndex(all: readonly Entry[]): Map<string, Entry[]> {
  if (all === lastIndexed) return lastIndex!;
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
  lastIndexed = all;
  lastIndex = idx;
  return idx;
}

export function collection(name: string, get: (tx: Transaction) => readonly Entry[]): VariableDef {
  return {
    name,
    collection: true,
    get,
    getKey(tx, lkey) {
      const all = get(tx);
      if (all.length === 0) return EMPTY;
      if (all.length < 4) {
        let out: Entry[] | undefined;
        for (const e of all) if (e.key.length === lkey.length && e.key.toLowerCase() === lkey) (out ??= []).push(e);
        return out ?? EMPTY;
      }
      return keyIndex(all).get(lkey) ?? EMPTY;
    },
  };
}

/** The names of a collection as a collection (`ARGS_NAMES`: key and value are the name). */
export function names(name: string, get: (tx: Transaction) => readonly Entry[]): VariableDef {
  // Built once per source list (a new list when the collection changes), so lookups by key stay indexed too.
  const built = new WeakMap<readonly Entry[], readonly Entry[]>();
  // The last list and its names, asked for by rule after rule.
  let lastAll: readonly Entry[] | undefined;
  let lastOut: readonly Entry[] = EMPTY;
  return collection(name, (tx) => {
    const all = get(tx);
    if (all.length === 0) return EMPTY;
    if (all === lastAll) return lastOut;
    let out = built.get(all);
    if (!out) {
      out = all.map((e) => ({ key: e.key, value: e.key }));
      built.set(all, out);
    }
    lastAll = all;
    lastOut = out;
    return out;
  });
}

