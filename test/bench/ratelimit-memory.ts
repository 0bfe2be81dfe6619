/**
 * `node --expose-gc dist/test/bench/ratelimit-memory.js [--keys N]`
 *
 * Resident memory of the in-memory rate-limit store holding N distinct live counters (default 1,000,000),
 * keyed like real RLS descriptors (`rls:edge:remote_address=<IPv4>`), plus the time to create them and the cost
 * of one more hit on a warm counter.
 */
import { parseArgs } from 'node:util';
import { rlsCounterKey } from '../../src/ratelimit/keys.js';
import { MemoryStore } from '../../src/ratelimit/memory-store.js';

const { values } = parseArgs({ options: { keys: { type: 'string' } } });
const n = Number(values.keys ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const settle = () => {
  gc?.();
  gc?.();
};

settle();
const before = process.memoryUsage();
const store = new MemoryStore({ live: false, maxKeys: n + 1 });
const now = Date.now();
const ip = (i: number) => `${10 + ((i >>> 24) & 0x7f)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  store.apply([{ key: rlsCounterKey('edge', [{ key: 'remote_address', value: ip(i) }]), tag: 'rls:edge', algorithm: 'fixed-window', limit: 100, windowMs: 3_600_000, hits: 1 }], now);
}
const fillMs = performance.now() - t0;
settle();
const after = process.memoryUsage();
const warm = rlsCounterKey('edge', [{ key: 'remote_address', value: ip(12345) }]);
const reps = 200_000;
const t1 = performance.now();
for (let i = 0; i < reps; i++) store.apply([{ key: warm, tag: 'rls:edge', algorithm: 'fixed-window', limit: 1e9, windowMs: 3_600_000, hits: 1 }], now);
const hitNs = ((performance.now() - t1) * 1e6) / reps;

const lines = [
  `rate-limit memory store: ${store.size.toLocaleString('en')} live counters${gc ? '' : ' (run with --expose-gc for settled figures)'}`,
  `  RSS        ${mb(before.rss)} -> ${mb(after.rss)}   (target < 250 MB)`,
  `  heap used  ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}; typed arrays ${mb(after.arrayBuffers)}`,
  `  per counter ${(((after.rss - before.rss) / n)).toFixed(0)} bytes of RSS`,
  `  filled in  ${(fillMs / 1000).toFixed(2)} s (${((fillMs * 1e6) / n).toFixed(0)} ns per new counter); one hit on a warm counter ${hitNs.toFixed(0)} ns`,
];
process.stdout.write(`${lines.join('\n')}\n`);
if (after.rss > 250 * 1024 * 1024) process.exitCode = 1;
