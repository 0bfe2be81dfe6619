/**
 * The recorder's view of a sink: records already redacted and serialized once, written as batches, or (when
 * every sink can) appended as they come and made durable by commit().
 */
import type { EncodedRecord } from '../sql/rows.js';
import type { DecisionStore } from '../store.js';
import type { SqlDecisionStore } from '../sql/sql-store.js';

export interface BatchSink {
  readonly name: string;
  write(batch: readonly EncodedRecord[]): Promise<void>;
  /** Takes records now; they are durable once the next commit() resolves (which rejects if any were lost). */
  append?(batch: readonly EncodedRecord[]): void;
  commit?(): Promise<void>;
  close(): Promise<void>;
  /** Present on stores: what queries and retention use. */
  readonly store?: DecisionStore & Pick<SqlDecisionStore, 'retain' | 'optimize'>;
}

export function storeSink(name: 'sqlite' | 'postgres', store: SqlDecisionStore): BatchSink {
  return {
    name,
    store,
    write: (batch) => store.write(batch),
    ...(store.streams ? { append: (batch: readonly EncodedRecord[]) => store.append(batch), commit: () => store.commit() } : {}),
    close: () => store.close(),
  };
}
