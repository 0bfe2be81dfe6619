/**
 * Aho-Corasick over byte strings, compiled to a dense transition table (bytes folded into the classes that
 * occur in the phrases), so a scan is one array read per input byte whatever the number of phrases. Used by
 * `@pm`/`@pmFromFile` (CRS's phrase lists hold thousands) and by the shared regex literal index.
 */
export class AhoCorasick {
  private readonly classOf = new Uint8Array(256);
  private readonly width: number;
  /**
   * Per state and byte class, the next state times two, plus one when a phrase ends there (so a scan reads the
   * output tables only at such states); 16-bit when the states fit, so big phrase sets stay cache-sized.
   */
  private readonly delta: Uint16Array | Int32Array;
  /** Per state: length of the longest phrase ending there (0 = none). */
  private readonly longest: Int32Array;
  /** Per state: ids of every phrase ending there (suffixes included), as [start, end) into outIds. */
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;

  constructor(phrases: readonly string[]) {
    let classes = 1;
    for (const p of phrases) {
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i) & 0xff;
        if (this.classOf[c] === 0) this.classOf[c] = classes++;
      }
    }
    this.width = classes;
    const next: Array<Map<number, number>> = [new Map()];
    const ends: number[][] = [[]];
    phrases.forEach((p, id) => {
      if (p === '') return;
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const k = this.classOf[p.charCodeAt(i) & 0xff]!;
        let n = next[s]!.get(k);
        if (n === undefined) {
          n = next.length;
          next.push(new Map());
          ends.push([]);
          next[s]!.set(k, n);
        }
        s = n;
      }
      ends[s]!.push(id);
    });
    const states = next.length;
    const fail = new Int32Array(states);
    const delta = new Int32Array(states * classes);
    const outs: number[][] = ends.map((e) => e.slice());
    const longest = new Int32Array(states);
    for (let s = 0; s < states; s++) for (const id of ends[s]!) longest[s] = Math.max(longest[s]!, phrases[id]!.length);
    const order: number[] = [];
    for (const [k, n] of next[0]!) { delta[k] = n; order.push(n); }
    for (let q = 0; q < order.length; q++) {
      const s = order[q]!;
      const f = fail[s]!;
      if (outs[f]!.length > 0) outs[s] = outs[s]!.concat(outs[f]!);
      if (longest[s] === 0) longest[s] = longest[f]!;
      for (let k = 0; k < classes; k++) {
        const n = next[s]!.get(k);
        if (n !== undefined) {
          fail[n] = s === 0 ? 0 : delta[f * classes + k]!;
          delta[s * classes + k] = n;
          order.push(n);
        } else {
          delta[s * classes + k] = delta[f * classes + k]!;
        }
      }
    }
    // Class 0 (bytes in no phrase) always returns to the root.
    for (let s = 0; s < states; s++) delta[s * classes] = 0;
    for (let k = 0; k < delta.length; k++) {
      const n = delta[k]!;
      delta[k] = n * 2 + (outs[n]!.length > 0 ? 1 : 0);
    }
    this.delta = states <= 0x7fff ? Uint16Array.from(delta) : delta;
    this.longest = longest;
    const outStart = new Int32Array(states + 1);
    let total = 0;
    for (let s = 0; s < states; s++) { outStart[s] = total; total += outs[s]!.length; }
    outStart[states] = total;
    const outIds = new Int32Array(total);
    for (let s = 0, at = 0; s < states; s++) for (const id of outs[s]!) outIds[at++] = id;
    this.outStart = outStart;
    this.outIds = outIds;
  }

  /** The first phrase found (as it appears in `lower`), or undefined. */
  find(lower: string): string | undefined {
    const { delta, classOf, width, longest } = this;
    let s = 0;
    for (let i = 0; i < lower.length; i++) {
      const d = delta[s * width + classOf[lower.charCodeAt(i) & 0xff]!]!;
      s = d >>> 1;
      if ((d & 1) !== 0) {
        const len = longest[s]!;
        return lower.slice(i + 1 - len, i + 1);
      }
    }
    return undefined;
  }

  /**
   * Sets bit `id` of a bit set for every phrase occurring in `lower`. The bit set is a region of `out.words`
   * taken on the first phrase found (a new zeroed array replaces `out.words` when it is full: typed arrays
   * are slow to allocate, so one is shared by many scans). Returns the region's offset in `out.words` as it is
   * after the call, or -1 when no phrase occurs. `byteIds` (per byte, an id or -1) marks one-byte phrases kept
   * out of the automaton: those would make nearly every byte of a text a phrase end.
   */
  markAll(lower: string, phraseCount: number, out: BitRegions, byteIds?: Int32Array): number {
    const { delta, classOf, width, outStart, outIds } = this;
    const size = (phraseCount + 31) >>> 5;
    let bits = out.words;
    let base = -1;
    let s = 0;
    for (let i = 0; i < lower.length; i++) {
      const c = lower.charCodeAt(i) & 0xff;
      if (byteIds !== undefined) {
        const id = byteIds[c]!;
        if (id >= 0) {
          if (base < 0) { base = out.take(size); bits = out.words; }
          bits[base + (id >>> 5)]! |= 1 << (id & 31);
        }
      }
      const d = delta[s * width + classOf[c]!]!;
      s = d >>> 1;
      if ((d & 1) === 0) continue;
      const a = outStart[s]!;
      const b = outStart[s + 1]!;
      if (base < 0) { base = out.take(size); bits = out.words; }
      for (let k = a; k < b; k++) {
        const id = outIds[k]!;
        bits[base + (id >>> 5)]! |= 1 << (id & 31);
      }
    }
    return base;
  }
}

/** Zeroed regions of a shared Uint32Array, handed out once each. */
export class BitRegions {
  words: Uint32Array;
  private used = 0;

  constructor(private readonly chunk: number) {
    this.words = new Uint32Array(chunk);
  }

  /** The offset of `n` fresh words in `words` (which may be a new array after the call). */
  take(n: number): number {
    if (this.used + n > this.words.length) {
      this.words = new Uint32Array(Math.max(this.chunk, n));
      this.used = 0;
    }
    const at = this.used;
    this.used += n;
    return at;
  }
}
