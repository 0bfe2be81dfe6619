import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(16 * 256);
let poolOffset = pool.length;

/**
 * A UUIDv7 (time-ordered), so decision ids sort by time in the store and carry their own timestamp.
 * Random bytes come from a pooled buffer: one syscall per 256 ids instead of one per id.
 */
export function newDecisionId(now: number = Date.now()): string {
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const b = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  const hex = now.toString(16).padStart(12, '0');
  const r = b.toString('hex');
  const variant = ((b[8]! & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${r.slice(1, 4)}-${variant}${r.slice(18, 20)}-${r.slice(20, 32)}`;
}
