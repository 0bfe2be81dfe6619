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

/**
 * `derive` of an entry list, once per list: variables hand out the same array until the collection changes
 * (then a new one), so identity is a safe key. The last list is kept at hand as well: rules ask about the same
 * list many times in a row, and a WeakMap lookup each time cost more than the lookup it saved.
 */
function perList<T>(derive: (all: readonly Entry[]) => T): (all: readonly Entry[]) => T {
  const built = new WeakMap<readonly Entry[], T>();
  let lastAll: readonly Entry[] | undefined;
  let last: T | undefined;
  return (all) => {
    if (all === lastAll) return last!;
    let v = built.get(all);
    if (v === undefined) {
      v = derive(all);
      built.set(all, v);
    }
    lastAll = all;
    last = v;
    return v;
  };
}

/** Entries by lower-case key. */
const keyIndex = perList((all) => {
  const idx = new Map<string, Entry[]>();
  for (const e of all) {
    const k = e.key.toLowerCase();
    const list = idx.get(k);
    if (list) list.push(e);
    else idx.set(k, [e]);
  }
  return idx;
});

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
  // Built once per source list, so lookups by key stay indexed too.
  const namesOf = perList((all): readonly Entry[] => all.map((e) => ({ key: e.key, value: e.key })));
  return collection(name, (tx) => {
    const all = get(tx);
    return all.length === 0 ? EMPTY : namesOf(all);
  });
}

