/**
 * Garbage-collector settings for the serving process (set by `portcullis serve`, not by the library: a flag
 * is process-wide, and an embedding program keeps its own).
 *
 * V8 pretenures an allocation site once most of its objects survive a young-generation collection: from then
 * on they are allocated in the old generation, which only full collections clean. Under load, a collection
 * that runs while calls are in flight can make a site that allocates per-request objects (a WAF
 * transaction's matches, say) look long-lived, and the objects it allocates afterwards outlive their request
 * in the old generation. Without pretenuring they die young: the bench's WAF GET keeps about a tenth more
 * throughput (0.33 -> 0.37 of the no-op baseline), and its young collections promote almost nothing.
 */
import { setFlagsFromString } from 'node:v8';

export function tuneGarbageCollectorForServing(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
