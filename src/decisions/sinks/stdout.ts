/** NDJSON on stdout, one record per line, for log shippers. Logs go to stderr, so stdout carries only records. */
import type { EncodedRecord } from '../sql/rows.js';
import type { BatchSink } from './sink.js';

export function stdoutSink(out: NodeJS.WritableStream = process.stdout): BatchSink {
  const write = (batch: readonly EncodedRecord[]): Promise<void> => {
    let text = '';
    for (const e of batch) text += `${e.json}\n`;
    return new Promise((resolve, reject) => {
      // Waiting for 'drain' keeps a slow reader from growing our memory: the bounded queue takes the strain.
      const ok = out.write(text, (err) => (err ? reject(err) : ok && resolve()));
      if (!ok) out.once('drain', resolve);
    });
  };
  // Appended lines are written at once; commit() answers for all of them.
  let pending: Array<Promise<void>> = [];
  let failure: unknown;
  return {
    name: 'stdout',
    write,
    append(batch) {
      pending.push(write(batch).catch((err: unknown) => {
        failure ??= err;
      }));
    },
    async commit() {
      const waiting = pending;
      pending = [];
      await Promise.all(waiting);
      const err = failure;
      failure = undefined;
      if (err !== undefined) throw err;
    },
    async close() {},
  };
}
