/**
 * One Aho-Corasick automaton over the required literals of every compiled regex. A value is scanned once (per
 * transaction, per distinct lower-cased string) into the set of literals it contains; each regex's
 * prefilter is then a few bit tests instead of one substring search per literal.
 */
import { AhoCorasick, BitRegions } from '../operators/aho-corasick.js';

function oneByte(literal: string): boolean {
  return literal.length === 1 && literal.charCodeAt(0) < 256;
}

export class LiteralIndex {
  private readonly ids = new Map<string, number>();
  private readonly list: string[] = [];
  private automaton: AhoCorasick | undefined;
  /** Per byte, the id of the one-byte literal that is that byte, or -1 (these stay out of the automaton). */
  private byteIds: Int32Array | undefined;
  private size = 0;
  /** Where scans' bit sets live (8K words: a typed array allocation per few hundred scans, not per scan). */
  private readonly regions = new BitRegions(8192);

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
      const byteIds = new Int32Array(256).fill(-1);
      let singles = 0;
      this.list.forEach((l, id) => {
        if (oneByte(l)) { byteIds[l.charCodeAt(0)] = id; singles++; }
      });
      // One-byte literals leave the automaton as '' (which it skips), so the ids of the others stay theirs.
      this.automaton = new AhoCorasick(this.list.map((l) => (oneByte(l) ? '' : l)));
      this.byteIds = singles > 0 ? byteIds : undefined;
      this.size = this.list.length;
    }
  }

  /**
   * The literals present in a lower-cased value, as a bit set over literal ids (bit `id` of word
   * `at + (id >>> 5)` of `found`; found undefined: none), and the index size it was built with (ids from there
   * on are unknown to it).
   */
  scan(lower: string): { found: Uint32Array | undefined; at: number; size: number } {
    this.freeze();
    const at = this.automaton!.markAll(lower, this.size, this.regions, this.byteIds);
    return at < 0 ? { found: undefined, at: 0, size: this.size } : { found: this.regions.words, at, size: this.size };
  }
}

/** Shared by every rule set of the process: literals are few thousand and repeat across rule sets. */
export const literalIndex = new LiteralIndex();
