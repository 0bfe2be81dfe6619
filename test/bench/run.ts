/**
 * `npm run bench [-- <name-filter>...] [--rounds N] [--duration MS] [--warmup MS] [--concurrency N]
 *  [--connections N] [--rate N] [--json FILE] [--strict] [--pin]
 *  [--profile DIR] [--self-check]`
 *
 * For each scenario, drives a no-op grpc-js server (the baseline) and Portcullis serving the scenario's policy
 * with the same pre-serialized Envoy-shaped requests, alternating them round by round (A B B A ...) on this
 * noisy machine, and prints medians and candidate/baseline ratios (the median of per-round ratios): throughput
 * and server CPU time per request. A scenario with a reference configuration runs it in the same rounds, next
 * to the candidate, and reports candidate/reference throughput as well. `--self-check` runs such scenarios with
 * their reference as the candidate instead: what the instrument reads for two identical servers (ideally 1.00).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadGrpcDefinitions } from '../../src/grpc/protos.js';
import { benchDir } from './paths.js';
import { pin, pinningAvailable } from './pin.js';
import { cpuSeconds, procAvailable } from './proc-cpu.js';
import type { LoadJob, LoadResult } from './protocol.js';
import { selfCheck, type BenchScenario } from './scenario.js';
import { startBaseline, startCandidate, type RunningServer } from './servers.js';
import { median } from './stats.js';

interface Options {
  filters: string[];
  rounds: number;
  durationMs: number;
  warmupMs: number;
  concurrency: number;
  connections: number;
  /** Calls per second offered (paced); 0 saturates. */
  rate: number;
  json?: string;
  strict: boolean;
  pin: boolean;
  /** Write a V8 CPU profile of each candidate run here (summarized with profile-summary.js). */
  profile?: string;
  /** Instead of the scenarios, run those that have a reference with that reference as their candidate. */
  selfCheck: boolean;
}

interface Side {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerReq: number;
  errors: number;
  firstError?: string;
  answer: string;
}

interface ScenarioReport {
  name: string;
  target: 'check' | 'rls';
  /** Rounds run: --rounds, or the scenario's minRounds when that is more. */
  rounds?: number;
  /** Measured time of each run: --duration, or the scenario's own. */
  durationMs?: number;
  baseline?: Side;
  candidate?: Side;
  throughputRatio?: number;
  cpuRatio?: number;
  /** Candidate CPU while idle (timers, background work), ms per second: it weighs on cpu/req at low rates. */
  idleMsPerSec?: number;
  /** The scenario's reference configuration, run in the same rounds, and candidate / reference throughput. */
  reference?: { label: string; side: Side; throughputRatio: number; minThroughputRatio?: number };
  /** The candidate's decision records after the rounds (from /readyz), when it keeps any. */
  records?: { written: number; queued: number; dropped: number };
  targets?: BenchScenario['targets'];
  verdicts: string[];
  error?: string;
}

function options(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      connections: { type: 'string' },
      rate: { type: 'string' },
      json: { type: 'string' },
      strict: { type: 'boolean' },
      pin: { type: 'boolean' },
      profile: { type: 'string' },
      'self-check': { type: 'boolean' },
    },
  });
  const int = (v: string | undefined, d: number, min: number): number => {
    const n = v === undefined ? d : Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`expected an integer >= ${min}, got ${v}`);
    return n;
  };
  return {
    filters: positionals,
    rounds: int(values.rounds, 5, 1),
    durationMs: int(values.duration, 800, 100),
    warmupMs: int(values.warmup, 200, 0),
    concurrency: int(values.concurrency, 32, 1),
    connections: int(values.connections, 2, 1),
    rate: int(values.rate, 0, 0),
    json: values.json,
    strict: values.strict ?? false,
    pin: (values.pin ?? false) && pinningAvailable(),
    profile: values.profile ? resolve(values.profile) : undefined,
    selfCheck: values['self-check'] ?? false,
  };
}

async function loadScenarios(filters: string[]): Promise<BenchScenario[]> {
  const dir = join(benchDir, 'scenarios');
  const files = readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
  const all: BenchScenario[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { scenario?: BenchScenario; scenarios?: BenchScenario[] };
    if (mod.scenario) all.push(mod.scenario);
    if (Array.isArray(mod.scenarios)) all.push(...mod.scenarios);
  }
  const names = new Set<string>();
  for (const s of all) {
    if (names.has(s.name)) throw new Error(`two scenarios are named ${s.name}`);
    names.add(s.name);
  }
  return filters.length === 0 ? all : all.filter((s) => filters.some((f) => s.name.includes(f)));
}

function serializeRequests(s: BenchScenario): string[] {
  const defs = loadGrpcDefinitions();
  const method = s.target === 'check' ? defs.authorization.Check : defs.rateLimit.ShouldRateLimit;
  const n = Math.max(1, s.distinctRequests ?? 256);
  return Array.from({ length: n }, (_, i) => method.requestSerialize(s.request(i)).toString('base64'));
}

/** The load generator child, kept for the whole bench; runs one job at a time. */
class LoadGenerator {
  private readonly child: ChildProcess = fork(join(benchDir, 'load-gen.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  private exited: string | undefined;

  constructor(cpu?: number) {
    if (cpu !== undefined) pin(this.child.pid!, cpu);
    this.child.once('exit', (code, signal) => (this.exited = `load generator exited (${code ?? signal})`));
  }

  run(job: LoadJob): Promise<LoadResult> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => {
      const onExit = () => finish(new Error(this.exited ?? 'load generator exited'));
      const onMessage = (m: { ok: boolean; result?: LoadResult; error?: string }) =>
        m.ok && m.result ? finish(undefined, m.result) : finish(new Error(`load generator: ${m.error}`));
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        finish(new Error('load generator timed out'));
      }, job.warmupMs + job.durationMs + 20_000);
      const finish = (err?: Error, result?: LoadResult) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (err) reject(err);
        else resolve(result!);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(job);
    });
  }

  stop(): void {
    if (!this.exited) this.child.disconnect();
  }
}

/** What the server answered, in words: "allow", "deny 404 route.not_found", "OK", "OVER_LIMIT". */
function answerOf(target: 'check' | 'rls', sampleB64: string): string {
  const defs = loadGrpcDefinitions();
  const bytes = Buffer.from(sampleB64, 'base64');
  try {
    if (target === 'rls') return String((defs.rateLimit.ShouldRateLimit.responseDeserialize(bytes) as { overall_code?: string }).overall_code ?? 'UNKNOWN');
    const res = defs.authorization.Check.responseDeserialize(bytes) as { status?: { code?: number; message?: string }; denied_response?: { status?: { code?: string } } };
    if (!res.status?.code) return 'allow';
    return `deny ${res.denied_response?.status?.code ?? 'Forbidden'}${res.status.message ? ` ${res.status.message}` : ''}`;
  } catch {
    return 'undecodable';
  }
}

/** CPU the process spends with no calls, after its start-up has settled. */
async function idleCpu(pid: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 300));
  const before = cpuSeconds(pid);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, 1000));
  return ((cpuSeconds(pid) - before) * 1000) / ((Date.now() - t0) / 1000);
}

const rps = (r: LoadResult): number => (r.calls * 1000) / r.elapsedMs;
const cpuPerReq = (r: LoadResult): number => (r.calls > 0 ? (r.cpuSeconds * 1e6) / r.calls : NaN);

function summarize(target: 'check' | 'rls', results: LoadResult[]): Side {
  const answers = new Set<string>();
  for (const r of results) for (const s of r.samples) answers.add(answerOf(target, s));
  return {
    rps: median(results.map(rps)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    cpuUsPerReq: median(results.map(cpuPerReq)),
    errors: results.reduce((n, r) => n + r.errors, 0),
    firstError: results.find((r) => r.firstError)?.firstError,
    answer: [...answers].join(' | ') || '-',
  };
}

/** The Portcullis servers of the scenario under way, stopped on an interrupt as well. */
const running = new Set<RunningServer>();

async function runScenario(s: BenchScenario, baseline: RunningServer, load: LoadGenerator, opts: Options, work: string): Promise<ScenarioReport> {
  const report: ScenarioReport = { name: s.name, target: s.target, targets: s.targets, verdicts: [] };
  let requests: string[];
  try {
    requests = serializeRequests(s);
  } catch (err) {
    report.error = `requests do not serialize: ${err instanceof Error ? err.message : String(err)}`;
    return report;
  }
  const durationMs = s.durationMs ?? opts.durationMs;
  const job = (server: RunningServer): LoadJob => ({
    address: server.address, target: s.target, requests, concurrency: opts.concurrency, connections: opts.connections,
    warmupMs: opts.warmupMs, durationMs, rate: opts.rate, maxRequests: 2_000_000, serverPid: server.pid,
  });

  const start = async (policy: string, env: Record<string, string> | undefined, suffix: string, nodeArgs: string[] = []): Promise<RunningServer> => {
    const dir = () => mkdtempSync(join(work, `${s.name.replace(/[^a-z0-9-]/gi, '_')}${suffix}-`));
    // The ports are picked free just before the server binds them, and the load generator's connections take
    // ports from the same range: a rare collision gets one more try on new ports.
    const server = await startCandidate(policy, dir(), env, nodeArgs).catch(() => startCandidate(policy, dir(), env, nodeArgs));
    running.add(server);
    if (opts.pin) pin(server.pid, SERVER_CPU);
    return server;
  };
  let candidate: RunningServer | undefined;
  let reference: RunningServer | undefined;
  try {
    const nodeArgs: string[] = [];
    if (opts.profile) {
      mkdirSync(opts.profile, { recursive: true });
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.profile}`, `--cpu-prof-name=${s.name}.cpuprofile`);
    }
    candidate = await start(s.policy, s.env, '', nodeArgs);
    report.idleMsPerSec = await idleCpu(candidate.pid);
    if (s.reference) reference = await start(s.reference.policy, s.reference.env, '-reference');
  } catch (err) {
    report.error = `portcullis did not start: ${err instanceof Error ? err.message : String(err)}`;
  }
  const base: LoadResult[] = [];
  const cand: LoadResult[] = [];
  const ref: LoadResult[] = [];
  const sides = { b: { server: baseline, results: base }, c: { server: candidate, results: cand }, r: { server: reference, results: ref } };
  try {
    const rounds = Math.max(opts.rounds, s.minRounds ?? 0);
    report.rounds = rounds;
    report.durationMs = durationMs;
    for (let r = 0; r < rounds; r++) {
      // A B B A: slow drift of the machine (thermal, neighbours) weighs on both sides alike. A reference runs
      // right next to the candidate, first in one round and second in the next.
      const order: Array<keyof typeof sides> = reference ? (r % 2 === 0 ? ['b', 'r', 'c'] : ['c', 'r', 'b']) : r % 2 === 0 ? ['b', 'c'] : ['c', 'b'];
      for (const who of order) {
        const side = sides[who];
        if (side.server) side.results.push(await load.run(job(side.server)));
      }
    }
    if (candidate) report.records = await decisionRecords(candidate);
  } catch (err) {
    report.error = `${report.error ? `${report.error}; ` : ''}${err instanceof Error ? err.message : String(err)}`;
  } finally {
    for (const server of [candidate, reference]) {
      if (!server) continue;
      await server.stop();
      running.delete(server);
    }
  }
  if (base.length > 0) report.baseline = summarize(s.target, base);
  if (cand.length > 0) report.candidate = summarize(s.target, cand);
  if (report.baseline && report.candidate) {
    // Each round's two runs are adjacent in time, so their ratio cancels most of the machine's slow drift;
    // the median over rounds then drops the rounds a neighbour's burst spoiled.
    report.throughputRatio = pairedMedian(base, cand, (b, c) => rps(c) / rps(b));
    report.cpuRatio = pairedMedian(base, cand, (b, c) => cpuPerReq(c) / cpuPerReq(b));
    const t = s.targets ?? {};
    if (t.minThroughputRatio !== undefined && !(report.throughputRatio >= t.minThroughputRatio)) report.verdicts.push(`throughput ratio ${report.throughputRatio.toFixed(2)} < ${t.minThroughputRatio}`);
    if (t.maxCpuRatio !== undefined && !(report.cpuRatio <= t.maxCpuRatio)) report.verdicts.push(`cpu ratio ${report.cpuRatio.toFixed(2)} > ${t.maxCpuRatio}`);
    if (report.records && report.records.dropped > 0) report.verdicts.push(`${report.records.dropped} decision records dropped`);
    if (report.candidate.errors > 0) report.verdicts.push(`${report.candidate.errors} RPC errors (${report.candidate.firstError})`);
  }
  if (s.reference && ref.length > 0 && cand.length > 0) {
    const ratio = pairedMedian(ref, cand, (r, c) => rps(c) / rps(r));
    report.reference = { label: s.reference.label, side: summarize(s.target, ref), throughputRatio: ratio, minThroughputRatio: s.reference.minThroughputRatio };
    const min = s.reference.minThroughputRatio;
    if (min !== undefined && !(ratio >= min)) report.verdicts.push(`throughput ${ratio.toFixed(2)} of ${s.reference.label} < ${min}`);
    if (report.reference.side.errors > 0) report.verdicts.push(`${report.reference.side.errors} RPC errors with ${s.reference.label}`);
  }
  return report;
}

/** The median over rounds of `f(a, b)`, a and b being the two runs of one round. */
function pairedMedian(a: LoadResult[], b: LoadResult[], f: (a: LoadResult, b: LoadResult) => number): number {
  const n = Math.min(a.length, b.length);
  return median(Array.from({ length: n }, (_, i) => f(a[i]!, b[i]!)));
}

/** Decision records written, queued and dropped by the candidate, or undefined when it keeps none. */
async function decisionRecords(server: RunningServer): Promise<ScenarioReport['records']> {
  const res = await fetch(`http://${server.admin}/readyz`);
  const body = (await res.json()) as { decisions?: { written: number; queued: number; dropped: number } };
  const d = body.decisions;
  return d && d.written + d.queued + d.dropped > 0 ? { written: d.written, queued: d.queued, dropped: d.dropped } : undefined;
}

const SERVER_CPU = 1;
const LOAD_CPU = 0;

const fmt = {
  int: (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '-' : Math.round(n).toLocaleString('en-US')),
  ms: (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(1)),
  ratio: (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(2)),
};

function table(reports: ScenarioReport[]): string {
  const head = ['scenario', 'rpc', 'base rps', 'cand rps', 'rps ratio', 'base p50/p99 ms', 'cand p50/p99 ms', 'base cpu/req', 'cand cpu/req', 'cpu ratio', 'cand idle', 'answer'];
  const rows = reports.map((r) => {
    const t = r.targets ?? {};
    const tr = r.throughputRatio === undefined ? '-' : `${fmt.ratio(r.throughputRatio)}${t.minThroughputRatio !== undefined ? (r.throughputRatio >= t.minThroughputRatio ? ' ok' : ' MISS') + ` >=${t.minThroughputRatio}` : ''}`;
    const cr = r.cpuRatio === undefined ? '-' : `${fmt.ratio(r.cpuRatio)}${t.maxCpuRatio !== undefined ? (r.cpuRatio <= t.maxCpuRatio ? ' ok' : ' MISS') + ` <=${t.maxCpuRatio}` : ''}`;
    return [
      r.name, r.target, fmt.int(r.baseline?.rps), fmt.int(r.candidate?.rps), tr,
      r.baseline ? `${fmt.ms(r.baseline.p50Ms)}/${fmt.ms(r.baseline.p99Ms)}` : '-',
      r.candidate ? `${fmt.ms(r.candidate.p50Ms)}/${fmt.ms(r.candidate.p99Ms)}` : '-',
      r.baseline ? `${fmt.int(r.baseline.cpuUsPerReq)} us` : '-',
      r.candidate ? `${fmt.int(r.candidate.cpuUsPerReq)} us` : '-',
      cr, r.idleMsPerSec === undefined ? '-' : `${r.idleMsPerSec.toFixed(1)} ms/s`, r.candidate?.answer ?? '-',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const numeric = new Set([2, 3, 7, 8, 10]);
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  if (!procAvailable()) process.stderr.write('bench: /proc is not readable; CPU figures will be 0\n');
  const loaded = await loadScenarios(opts.filters);
  const scenarios = opts.selfCheck ? loaded.flatMap((s) => (s.reference ? [selfCheck(s, s.reference)] : [])) : loaded;
  if (scenarios.length === 0) {
    process.stderr.write(`bench: no scenario matches ${opts.filters.join(', ')}\n`);
    return 2;
  }
  process.stdout.write(
    `portcullis bench: ${scenarios.length} scenario(s), ${opts.rounds} rounds x ${(opts.durationMs / 1000).toFixed(1)} s (+${opts.warmupMs} ms warmup), ` +
      `${opts.rate > 0 ? `${opts.rate} calls/s offered, at most ` : ''}${opts.concurrency} calls in flight over ${opts.connections} connections${opts.pin ? ', servers pinned to cpu 1, load to cpu 0' : ''}; ` +
      'medians, ratios are medians of per-round ratios; baseline = no-op grpc-js server\n',
  );
  const work = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
  const baseline = await startBaseline();
  if (opts.pin) pin(baseline.pid, SERVER_CPU);
  const load = new LoadGenerator(opts.pin ? LOAD_CPU : undefined);
  const cleanup = async () => {
    load.stop();
    for (const server of running) await server.stop();
    await baseline.stop();
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  const reports: ScenarioReport[] = [];
  try {
    for (const s of scenarios) {
      const started = Date.now();
      const report = await runScenario(s, baseline, load, opts, work);
      reports.push(report);
      process.stderr.write(`  ${s.name}: ${((Date.now() - started) / 1000).toFixed(1)} s${report.error ? ` (${report.error.split('\n')[0]})` : ''}\n`);
    }
  } finally {
    await cleanup();
  }
  process.stdout.write(`\n${table(reports)}\n`);
  for (const r of reports) {
    const ref = r.reference;
    if (ref) {
      const target = ref.minThroughputRatio === undefined ? '' : ` (${ref.throughputRatio >= ref.minThroughputRatio ? 'ok' : 'MISS'} >=${ref.minThroughputRatio})`;
      process.stdout.write(`\n${r.name}: throughput ${fmt.ratio(ref.throughputRatio)} of ${ref.label}${target}, ${fmt.int(ref.side.rps)} rps ${ref.label} in the same ${r.rounds} rounds of ${((r.durationMs ?? 0) / 1000).toFixed(1)} s (cpu/req ${fmt.int(ref.side.cpuUsPerReq)} us)`);
    }
    if (r.records) process.stdout.write(`\n${r.name}: decision records ${fmt.int(r.records.written)} written, ${fmt.int(r.records.queued)} queued, ${fmt.int(r.records.dropped)} dropped`);
  }
  const problems = reports.filter((r) => r.error || r.verdicts.length > 0);
  for (const r of problems) {
    process.stdout.write(`\n${r.name}: ${[r.error, ...r.verdicts].filter(Boolean).join('; ')}\n`);
  }
  process.stdout.write(
    '\nrps ratio = candidate/baseline throughput (higher is better); cpu ratio = candidate/baseline server CPU per request (lower is better);\n' +
      'cand idle = candidate CPU with no calls (background work; at R calls/s it adds idle/R to cpu/req)\n',
  );
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ options: opts, reports }, null, 2));
  return opts.strict && problems.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
