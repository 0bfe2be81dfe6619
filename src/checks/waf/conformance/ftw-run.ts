/**
 * Runs CRS regression tests through the engine as an ext_authz call would reach it, and judges them as go-ftw
 * does: all `expect_ids` logged, no `no_expect_ids` logged, `match_regex`/`no_match_regex` over
 * ModSecurity-style log lines. Tests whose expectation is only a status or a transport error are judged only
 * when not excluded, and then fail (the WAF decision they need is not stated).
 */
import { buildRequest } from '../../../pipeline/build-request.js';
import { toBytes, wafInputFromRequest, type WafInput } from '../engine/input.js';
import { runWaf } from '../engine/waf-engine.js';
import type { MatchLogEntry } from '../engine/transaction.js';
import { buildRuleSet, type WafRuleSet } from '../ruleset.js';
import { ftwRawRequest, parseHttpRequest, type ParsedHttpRequest } from './ftw-request.js';
import { exclusionFor, type Exclusion, type FtwStage, type FtwTest } from './ftw-suite.js';

/** The settings CRS's test suite assumes (paranoia 4, detection only, its argument limits), as our own rule set. */
export function conformanceRuleSet(crsDir: string): WafRuleSet {
  return buildRuleSet(
    'crs-conformance',
    {
      engine: 'DetectionOnly',
      crs: {
        paranoia: 4,
        vars: {
          crs_validate_utf8_encoding: 1,
          arg_name_length: 100,
          arg_length: 400,
          total_arg_length: 64000,
          max_num_args: 255,
          max_file_size: 64100,
          combined_file_sizes: 65535,
        },
      },
    },
    { resolvePath: (p) => p, crsDirOverride: crsDir, warn: () => {} },
  );
}

const noClientIp = () => '127.0.0.1';

/** The request Envoy would hand to ext_authz, as the WAF sees it. */
export function envoyShapedInput(p: ParsedHttpRequest): WafInput {
  // Envoy's CheckRequest carries headers as a map: names lower-cased, repeated headers joined with ",".
  const merged = new Map<string, string>();
  for (const [k, v] of p.headers) {
    const name = k.toLowerCase();
    const prev = merged.get(name);
    merged.set(name, prev === undefined ? v : `${prev},${v}`);
  }
  const lower = [...merged.entries()];
  const host = merged.get('host') ?? '';
  const rest = lower.filter(([k]) => k !== 'host');
  const body = p.body === '' ? undefined : Buffer.from(p.body, 'latin1');
  const built = buildRequest(
    {
      method: p.method,
      path: Buffer.from(p.target, 'latin1').toString('utf8'),
      headers: [
        ...(merged.has('host') ? [[':authority', Buffer.from(host, 'latin1')] as [string, Buffer]] : []),
        ...rest.map(([k, v]) => [k, Buffer.from(v, 'latin1')] as [string, Buffer]),
      ],
      body,
      authority: host,
      protocol: p.version,
      source: { address: '127.0.0.1', port: 40000 },
    },
    noClientIp,
  );
  // Use the service's own request builder when it accepts the request, so the WAF sees what it would see in
  // production; where the core would refuse it (bad path, control bytes), build the WAF's view directly so the
  // refusal neither hides nor excuses a rule.
  if (built.ok && toBytes(built.req.rawPath) === p.target) {
    return wafInputFromRequest(built.req);
  }
  return {
    method: p.method,
    uri: p.target,
    protocol: p.version,
    headers: host !== '' || lower.some(([k]) => k === 'host') ? [['host', host], ...rest] : rest,
    body: p.body === '' ? undefined : p.body,
    bodyPartial: false,
    remoteAddr: '127.0.0.1',
    remotePort: 40000,
    serverAddr: '127.0.0.1',
    serverPort: 80,
    uniqueId: 'crs-test',
  };
}

/** ModSecurity's log escaping: quotes and backslashes escaped, control and non-ASCII bytes as \xHH. */
function esc(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** One ModSecurity-style error-log line for a matched rule. */
export function logLine(e: MatchLogEntry): string {
  const tags = e.tags.map((t) => ` [tag "${esc(t)}"]`).join('');
  return `ModSecurity: Warning. Matched against variable \`${e.varName}' (Value: \`${esc(e.varValue.slice(0, 256))}') [id "${e.id}"] [msg "${esc(e.msg)}"] [data "${esc(e.data)}"] [severity "${e.severity ?? ''}"]${tags}`;
}

export interface StageRun {
  ids: Set<number>;
  lines: string[];
  ms: number;
}

export function runStage(rs: WafRuleSet, stage: FtwStage): StageRun {
  const t0 = performance.now();
  const input = envoyShapedInput(parseHttpRequest(ftwRawRequest(stage.input)));
  const result = runWaf(rs.compiled, input, 'DetectionOnly');
  const logged = result.log.filter((e) => e.logged);
  const ms = performance.now() - t0;
  return { ids: new Set(logged.map((e) => e.id)), lines: logged.map(logLine), ms };
}

function goRegex(src: string): RegExp {
  // Go's (?i)/(?s) prefixes become flags; the rest of RE2 syntax used by the tests is JS-compatible.
  let flags = '';
  let s = src;
  const m = /^\(\?([a-z]+)\)/.exec(s);
  if (m) { flags = [...new Set(m[1]!.split('').filter((c) => 'ims'.includes(c)))].join(''); s = s.slice(m[0].length); }
  return new RegExp(s, flags);
}

export function judgeStage(stage: FtwStage, run: StageRun): string | undefined {
  const out = stage.output ?? {};
  if (out.expect_error) return 'expects a transport error (not a WAF decision)';
  const log = out.log;
  const matchRegex = log?.match_regex ?? out.log_contains;
  const noMatchRegex = log?.no_match_regex ?? out.no_log_contains;
  const hasLogExpectation = !!(log?.expect_ids?.length || log?.no_expect_ids?.length || matchRegex || noMatchRegex);
  if (!hasLogExpectation) return out.status ? `expects web-server status ${out.status} only` : undefined;
  const missing = (log?.expect_ids ?? []).filter((id) => !run.ids.has(id));
  const unwanted = (log?.no_expect_ids ?? []).filter((id) => run.ids.has(id));
  const problems: string[] = [];
  if (missing.length) problems.push(`missing ${missing.join(',')}`);
  if (unwanted.length) problems.push(`unexpected ${unwanted.join(',')}`);
  if (matchRegex && !run.lines.some((l) => goRegex(matchRegex).test(l))) problems.push(`no log line matches /${matchRegex}/`);
  if (noMatchRegex && run.lines.some((l) => goRegex(noMatchRegex).test(l))) problems.push(`a log line matches /${noMatchRegex}/`);
  if (problems.length === 0) return undefined;
  return `${problems.join('; ')} (logged: ${[...run.ids].sort().join(',') || 'none'})`;
}

export interface TestResult {
  name: string;
  family: string;
  status: 'pass' | 'fail' | 'excluded';
  reason?: string;
  ms: number;
}

export function runTest(rs: WafRuleSet, test: FtwTest, exclusions: readonly Exclusion[]): TestResult {
  const ex = exclusionFor(test, exclusions);
  if (ex) return { name: test.name, family: test.family, status: 'excluded', reason: `${ex.category}: ${ex.reason}`, ms: 0 };
  let ms = 0;
  for (const stage of test.stages) {
    let verdict: string | undefined;
    try {
      let run = runStage(rs, stage);
      verdict = judgeStage(stage, run);
      if (verdict && stage.output?.retry_once) {
        run = runStage(rs, stage);
        verdict = judgeStage(stage, run);
      }
      ms += run.ms;
    } catch (err) {
      verdict = `engine error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (verdict) return { name: test.name, family: test.family, status: 'fail', reason: verdict, ms };
  }
  return { name: test.name, family: test.family, status: 'pass', ms };
}

export interface FamilyRow {
  family: string;
  tests: number;
  excluded: number;
  run: number;
  passed: number;
  rate: number;
}

export interface SuiteReport {
  rows: FamilyRow[];
  overall: FamilyRow;
  failures: TestResult[];
  slowest: { name: string; ms: number } | undefined;
}

export function summarize(results: readonly TestResult[]): SuiteReport {
  const byFamily = new Map<string, FamilyRow>();
  const overall: FamilyRow = { family: 'all', tests: 0, excluded: 0, run: 0, passed: 0, rate: 0 };
  let slowest: SuiteReport['slowest'];
  for (const r of results) {
    let row = byFamily.get(r.family);
    if (!row) { row = { family: r.family, tests: 0, excluded: 0, run: 0, passed: 0, rate: 0 }; byFamily.set(r.family, row); }
    for (const x of [row, overall]) {
      x.tests++;
      if (r.status === 'excluded') x.excluded++;
      else { x.run++; if (r.status === 'pass') x.passed++; }
    }
    if (!slowest || r.ms > slowest.ms) slowest = { name: r.name, ms: r.ms };
  }
  const rows = [...byFamily.values()].sort((a, b) => a.family.localeCompare(b.family));
  for (const x of [...rows, overall]) x.rate = x.run === 0 ? 1 : x.passed / x.run;
  return { rows, overall, failures: results.filter((r) => r.status === 'fail'), slowest };
}

export function formatReport(rep: SuiteReport): string {
  const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
  const lines = ['family  tests  excluded    run  passed    rate'];
  for (const x of [...rep.rows, rep.overall]) {
    lines.push(`${x.family.padEnd(6)} ${String(x.tests).padStart(6)} ${String(x.excluded).padStart(9)} ${String(x.run).padStart(6)} ${String(x.passed).padStart(7)} ${pct(x.rate).padStart(7)}`);
  }
  return lines.join('\n');
}
