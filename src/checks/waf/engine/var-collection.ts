/**
 * A writable collection (TX, and the per-request IP, SESSION... collections): keys are case-insensitive, values
 * keep the name as it was set. Reads hand out entry lists that are built once per change, not per read: rules
 * read TX far more often than they write it (every paranoia-level gate, every score check).
 */
import type { Entry } from './types.js';

interface Slot {
  readonly entry: Entry;
  /** The entry as a one-element list, what a `TX:name` target resolves to. */
  readonly list: readonly Entry[];
}

const NONE: readonly Entry[] = [];

function copySlot(this: Map<string, Slot>, slot: Slot, key: string): void {
  this.set(key, slot);
}

function pushEntry(this: Entry[], slot: Slot): void {
  this.push(slot.entry);
}

export class VarCollection {
  private slots = new Map<string, Slot>();
  private all: readonly Entry[] | undefined;

  get size(): number {
    return this.slots.size;
  }

  /** The entry under a lower-cased key. */
  get(lkey: string): Entry | undefined {
    return this.slots.get(lkey)?.entry;
  }

  /** The entry under a lower-cased key as a list (empty when unset). */
  list(lkey: string): readonly Entry[] {
    return this.slots.get(lkey)?.list ?? NONE;
  }

  set(key: string, value: string, lkey = key.toLowerCase()): void {
    const entry: Entry = { key, value };
    this.slots.set(lkey, { entry, list: [entry] });
    this.all = undefined;
  }

  delete(lkey: string): void {
    if (this.slots.delete(lkey)) this.all = undefined;
  }

  /** Becomes a copy of `other` (entries are immutable, so they are shared). */
  copyFrom(other: VarCollection): void {
    // forEach, not new Map(other.slots): the iterator protocol allocates an entry array per slot.
    const slots = new Map<string, Slot>();
    other.slots.forEach(copySlot, slots);
    this.slots = slots;
    this.all = other.all;
  }

  /** Every entry in insertion order; the same array until the collection changes. */
  entries(): readonly Entry[] {
    if (this.all === undefined) {
      const out: Entry[] = [];
      this.slots.forEach(pushEntry, out);
      this.all = out;
    }
    return this.all;
  }
}
