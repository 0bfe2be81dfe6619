/**
 * One Aho-Corasick automaton over the required literals of every compiled regex. A value is scanned once (per
 * transaction, per distinct lower-cased string) into a bitmap of the literals it contains; each regex's
 * prefilter is then a few set lookups instead of one substring search per literal.
 */

class AllMatches {
  private readonly next: Array<Map<number, number>> = [new Map()];
  private readonly fail: number[] = [0];
  private readonly out: number[][] = [[]];

  constructor(literals: readonly string[]) {
    literals.forEach((p, id) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        let n = this.next[s]!.get(c);
        if (n === undefined) {
          n = this.next.length;
          this.next.push(new Map());
          this.fail.push(0);
          this.out.push([]);
          this.next[s]!.set(c, n);
        }
        s = n;
      }
      this.out[s]!.push(id);
    });
    const queue: number[] = [...this.next[0]!.values()];
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      for (const [c, n] of this.next[s]!) {
        let f = this.fail[s]!;
        while (f !== 0 && !this.next[f]!.has(c)) f = this.fail[f]!;
        const t = this.next[f]!.get(c);
        this.fail[n] = t !== undefined && t !== n ? t : 0;
        const inherited = this.out[this.fail[n]!]!;
        if (inherited.length > 0) this.out[n] = this.out[n]!.concat(inherited);
        queue.push(n);
      }
    }
  }

  scan(lower: string, found: number[]): void {
    let s = 0;
    for (let i = 0; i < lower.length; i++) {
      const c = lower.charCodeAt(i);
      let n = this.next[s]!.get(c);
      while (n === undefined && s !== 0) {
        s = this.fail[s]!;
        n = this.next[s]!.get(c);
      }
      s = n ?? 0;
      const o = this.out[s]!;
      for (let k = 0; k < o.length; k++) found.push(o[k]!);
    }
  }
}

export class LiteralIndex {
  private readonly ids = new Map<string, number>();
  private readonly list: string[] = [];
  private automaton: AllMatches | undefined;
  private size = 0;

  /** Registers literals (compile time); returns their ids. */
  register(literals: readonly string[]): number[] {
    return literals.map((l) => {
      let id = this.ids.get(l);
      if (id === undefined) {
        id = this.list.length;
        this.list.push(l);
        this.ids.set(l, id);
        this.automaton = undefined;
      }
      return id;
    });
  }

  /** Builds the automaton now (call at the end of compilation, so no request pays for it). */
  freeze(): void {
    if (!this.automaton) {
      this.automaton = new AllMatches(this.list);
      this.size = this.list.length;
    }
  }

  /** The literals present in a lower-cased value: a set of literal ids, and the index size it was built with. */
  scan(lower: string): { found: ReadonlySet<number>; size: number } {
    this.freeze();
    const found: number[] = [];
    this.automaton!.scan(lower, found);
    return { found: found.length === 0 ? EMPTY : new Set(found), size: this.size };
  }
}

const EMPTY: ReadonlySet<number> = new Set();

/** Shared by every rule set of the process: literals are few thousand and repeat across rule sets. */
export const literalIndex = new LiteralIndex();
