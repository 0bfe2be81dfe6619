/**
 * One Aho-Corasick automaton over the required literals of every compiled regex. A value is scanned once (per
 * transaction, per distinct lower-cased string) into the set of literals it contains; each regex's
 * prefilter is then a few bit tests instead of one substring search per literal.
 */
import { AhoCorasick } from '../operators/aho-corasick.js';

export class LiteralIndex {
  private readonly ids = new Map<string, number>();
  private readonly list: string[] = [];
  private automaton: AhoCorasick | undefined;
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
      this.automaton = new AhoCorasick(this.list);
      this.size = this.list.length;
    }
  }

  /**
   * The literals present in a lower-cased value, as a bit set over literal ids (undefined: none), and the index
   * size it was built with (ids from there on are unknown to it).
   */
  scan(lower: string): { found: Uint32Array | undefined; size: number } {
    this.freeze();
    return { found: this.automaton!.markAll(lower, this.size), size: this.size };
  }
}

/** Shared by every rule set of the process: literals are few thousand and repeat across rule sets. */
export const literalIndex = new LiteralIndex();
