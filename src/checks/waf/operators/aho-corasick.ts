/**
 * Aho-Corasick over lower-cased byte strings, for `@pm` and `@pmFromFile` (CRS's phrase lists hold thousands
 * of phrases): one pass over the input whatever the number of phrases.
 */
export class AhoCorasick {
  private readonly next: Array<Map<number, number>> = [new Map()];
  private readonly fail: number[] = [0];
  /** Length of the longest phrase ending at the state (0 = none). */
  private readonly out: number[] = [0];

  constructor(phrases: readonly string[]) {
    for (const p of phrases) {
      if (p === '') continue;
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        let n = this.next[s]!.get(c);
        if (n === undefined) {
          n = this.next.length;
          this.next.push(new Map());
          this.fail.push(0);
          this.out.push(0);
          this.next[s]!.set(c, n);
        }
        s = n;
      }
      this.out[s] = Math.max(this.out[s]!, p.length);
    }
    const queue: number[] = [];
    for (const n of this.next[0]!.values()) queue.push(n);
    while (queue.length > 0) {
      const s = queue.shift()!;
      for (const [c, n] of this.next[s]!) {
        let f = this.fail[s]!;
        while (f !== 0 && !this.next[f]!.has(c)) f = this.fail[f]!;
        const target = this.next[f]!.get(c);
        this.fail[n] = target !== undefined && target !== n ? target : 0;
        if (this.out[n] === 0) this.out[n] = this.out[this.fail[n]!]!;
        queue.push(n);
      }
    }
  }

  /** The first phrase found (as it appears in `lower`), or undefined. */
  find(lower: string): string | undefined {
    let s = 0;
    for (let i = 0; i < lower.length; i++) {
      const c = lower.charCodeAt(i);
      let n = this.next[s]!.get(c);
      while (n === undefined && s !== 0) {
        s = this.fail[s]!;
        n = this.next[s]!.get(c);
      }
      s = n ?? 0;
      const len = this.out[s]!;
      if (len > 0) return lower.slice(i + 1 - len, i + 1);
    }
    return undefined;
  }
}
