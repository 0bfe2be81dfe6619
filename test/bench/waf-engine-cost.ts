/**
 * `PORTCULLIS_CRS_DIR=... node dist/test/bench/waf-engine-cost.js [iterations] [rounds] [get|json|sqli] [--cold]`: CPU
 * time of the WAF engine alone (no gRPC, no pipeline) per request, for the three requests of the `waf-*` bench
 * scenarios, with CRS at paranoia level 1 compiled as the `waf` section compiles it. Prints µs of process CPU per
 * request, the best and median of several rounds (the machine is shared; the best round is the least disturbed).
 *
 * `--cold` evicts the CPU caches between requests (it writes one word per cache line of an 8 MiB array) and times
 * only the engine, with the monotonic clock: the server runs gRPC and HTTP/2 work between two WAF evaluations, so
 * each request meets cold caches there, and its engine cost is this number rather than the warm loop's.
 */
import { buildRuleSet } from '../../src/checks/waf/ruleset.js';
import { runWaf } from '../../src/checks/waf/engine/waf-engine.js';
import type { WafInput } from '../../src/checks/waf/engine/input.js';
import { matchedNotes } from '../../src/checks/waf/index.js';
import { jsonBody } from './scenarios/waf.js';

const crsDir = process.env.PORTCULLIS_CRS_DIR;
if (!crsDir) {
  console.error('set PORTCULLIS_CRS_DIR to a CRS directory');
  process.exit(2);
}

const cold = process.argv.includes('--cold');
const args = process.argv.slice(2).filter((a) => a !== '--cold');
const iterations = Number(args[0] ?? (cold ? 1000 : 2000));
const rounds = Number(args[1] ?? 5);
/** Only the request whose key is given (for profiling one request at a time). */
const only = args[2];

const t0 = process.cpuUsage();
const rs = buildRuleSet('crs-pl1', { crs: { paranoia: 1, anomalyThreshold: 5 } }, {
  resolvePath: (p) => p,
  crsDirOverride: crsDir,
  warn: () => undefined,
});
const compileUs = process.cpuUsage(t0);
console.log(`compiled ${rs.ruleCount} rules in ${((compileUs.user + compileUs.system) / 1000).toFixed(0)} ms CPU`);

// The headers the bench's Envoy request carries, as wafInputFromRequest hands them to the engine.
const browser: Array<[string, string]> = [
  ['host', 'api.example.com'],
  ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'],
  ['accept', 'application/json'],
  ['x-forwarded-proto', 'https'],
  ['x-request-id', '6a1f2b7e-9c0d-4e5f-8a1b-2c3d4e5f6a7b'],
  ['accept-language', 'en-US,en;q=0.9'],
];

function input(method: string, uri: string, headers: Array<[string, string]>, body?: string): WafInput {
  return {
    method, uri, protocol: 'HTTP/1.1', headers, body, bodyPartial: false,
    remoteAddr: '203.0.113.7', remotePort: 51234, serverAddr: '10.0.0.5', serverPort: 8443, uniqueId: '1234567890',
  };
}

const requests: Array<{ key: string; name: string; make(i: number): WafInput }> = [
  { key: 'get', name: 'small GET', make: (i) => input('GET', `/api/users/${i % 100}?page=${1 + (i % 7)}&sort=name`, browser) },
  {
    key: 'json',
    name: '2K JSON POST',
    make: (i) => {
      const body = jsonBody(i);
      return input('POST', '/api/users', [...browser, ['content-type', 'application/json'], ['content-length', String(body.length)]], body);
    },
  },
  { key: 'sqli', name: 'SQLi GET', make: (i) => input('GET', `/api/users?id=${i}%27%20UNION%20SELECT%20password%20FROM%20users--`, browser) },
];

function run(req: WafInput): string {
  const r = runWaf(rs.compiled, req, rs.engine);
  const notes = matchedNotes(r.log);
  return `${r.interruption ? `blocked by ${r.interruption.ruleId}` : 'passed'}; matched ${notes.map((n) => n.id).join(',') || 'none'}`;
}

function warmRound(inputs: WafInput[]): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) runWaf(rs.compiled, inputs[i % 100]!, rs.engine);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / iterations;
}

/** Larger than the last-level cache: touching one word per 64-byte line evicts the engine's data and code. */
const evictor = new Int32Array(2 * 1024 * 1024);

function coldRound(inputs: WafInput[]): number {
  let ns = 0n;
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < evictor.length; j += 16) evictor[j]!++;
    const t0 = process.hrtime.bigint();
    runWaf(rs.compiled, inputs[i % 100]!, rs.engine);
    ns += process.hrtime.bigint() - t0;
  }
  return Number(ns) / 1000 / iterations;
}

console.log(cold ? 'cold caches: engine wall time per request, caches evicted before each' : 'warm loop: process CPU per request');
for (const { key, name, make } of requests) {
  if (only !== undefined && key !== only) continue;
  console.log(`${name}: ${run(make(1))}`);
  const inputs = Array.from({ length: 100 }, (_, i) => make(i));
  for (let i = 0; i < 200; i++) run(inputs[i % 100]!); // warm up
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) perRound.push(cold ? coldRound(inputs) : warmRound(inputs));
  const sorted = [...perRound].sort((a, b) => a - b);
  console.log(`  µs/request: best ${sorted[0]!.toFixed(1)}, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} (${perRound.map((x) => x.toFixed(0)).join(' ')})`);
}
