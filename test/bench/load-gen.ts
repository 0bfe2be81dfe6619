/**
 * The load generator, a child process of its own so its CPU is not the servers': receives LoadJobs over IPC,
 * keeps `concurrency` unary calls in flight over `connections` HTTP/2 connections for warmup + duration, and
 * reports throughput, latency percentiles and the server's CPU time over the measured window.
 */
import * as grpc from '@grpc/grpc-js';
import { cpuSeconds } from './proc-cpu.js';
import { quantile } from './stats.js';
import { METHOD_PATHS, type LoadJob, type LoadResult } from './protocol.js';

const identity = (b: Buffer): Buffer => b;

async function run(job: LoadJob): Promise<LoadResult> {
  const requests = job.requests.map((r) => Buffer.from(r, 'base64'));
  const path = METHOD_PATHS[job.target];
  // Distinct channel options keep grpc-js from sharing one subchannel (one connection) between the clients.
  const clients = Array.from({ length: Math.max(1, job.connections) }, (_, i) =>
    new grpc.Client(job.address, grpc.credentials.createInsecure(), { 'grpc.bench_connection': i, 'grpc.max_receive_message_length': 16 << 20 }),
  );
  await Promise.all(clients.map((c) => new Promise<void>((resolve, reject) => c.waitForReady(Date.now() + 10_000, (e) => (e ? reject(e) : resolve())))));

  const latencies = new Float64Array(Math.max(1, job.maxRequests));
  let measured = 0;
  let errors = 0;
  let firstError: string | undefined;
  const samples: string[] = [];
  let measuring = false;
  let stopping = false;
  let next = 0;

  const call = (client: grpc.Client, body: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(path, identity, identity, body, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res!)));
    });

  // Paced mode: one shared schedule of send times; a worker takes the next slot and waits for it.
  const interval = job.rate > 0 ? 1000 / job.rate : 0;
  let nextSlot = performance.now();
  const pace = async (): Promise<void> => {
    if (interval === 0) return;
    const now = performance.now();
    // A schedule that fell behind (a pause) restarts from now rather than bursting to catch up.
    if (nextSlot < now - 50) nextSlot = now;
    const slot = nextSlot;
    nextSlot += interval;
    if (slot > now) await new Promise((r) => setTimeout(r, slot - now));
  };

  const worker = async (w: number): Promise<void> => {
    const client = clients[w % clients.length]!;
    while (!stopping) {
      await pace();
      if (stopping) break;
      const body = requests[next++ % requests.length]!;
      const start = process.hrtime.bigint();
      try {
        const res = await call(client, body);
        if (measuring && measured < latencies.length) {
          latencies[measured++] = Number(process.hrtime.bigint() - start) / 1e6;
          if (samples.length < 4 && measured % 97 === 1) samples.push(res.toString('base64'));
          if (measured >= latencies.length) stopping = true;
        }
      } catch (err) {
        if (measuring) errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
        if (errors > 1000) stopping = true;
      }
    }
  };

  const workers = Array.from({ length: job.concurrency }, (_, w) => worker(w));
  await new Promise((r) => setTimeout(r, job.warmupMs));
  const cpu0 = cpuSeconds(job.serverPid);
  const t0 = process.hrtime.bigint();
  measuring = true;
  await new Promise<void>((resolve) => {
    const end = Date.now() + job.durationMs;
    const tick = setInterval(() => {
      if (stopping || Date.now() >= end) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  measuring = false;
  const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu1 = cpuSeconds(job.serverPid);
  stopping = true;
  await Promise.all(workers);
  for (const c of clients) c.close();
  const sorted = latencies.subarray(0, measured).sort();
  return { calls: measured, errors, firstError, elapsedMs, cpuSeconds: cpu1 - cpu0, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), samples };
}

// One generator serves every run of a bench: jobs arrive one at a time, each answered with its result.
process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.({ ok: true, result }),
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
