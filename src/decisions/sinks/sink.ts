/** The recorder's view of a sink: batches of records already redacted and serialized once. */
import type { EncodedRecord } from '../sql/rows.js';
import type { DecisionStore } from '../store.js';
import type { SqlDecisionStore } from '../sql/sql-store.js';

export interface BatchSink {
  readonly name: string;
  write(batch: readonly EncodedRecord[]): Promise<void>;
  close(): Promise<void>;
  /** Present on stores: what queries and retention use. */
  readonly store?: DecisionStore & Pick<SqlDecisionStore, 'retain' | 'optimize'>;
}

export function storeSink(name: 'sqlite' | 'postgres', store: SqlDecisionStore): BatchSink {
  return {
    name,
    store,
    write: (batch) => store.write(batch),
    close: () => store.close(),
  };
}
