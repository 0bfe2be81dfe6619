import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { conformanceRuleSet, formatReport, runStage, runTest, summarize } from '../checks/waf/conformance/ftw-run.js';
import { loadExclusions, loadFtwTests, type Exclusion } from '../checks/waf/conformance/ftw-suite.js';
import { crsDir, parse, UsageError } from './args.js';
import type { CliCommand } from './types.js';

export const command: CliCommand = {
  name: 'crs-test',
  summary: 'run the OWASP CRS regression tests through the WAF engine and report pass rates per rule family',
  usage: `portcullis crs-test --crs-dir DIR [--filter PREFIX] [--exclusions FILE] [--json] [--failures N]

Runs CRS's go-ftw regression tests (DIR/tests/regression/tests) in-process: each test's request is built as
go-ftw sends it, shaped as Envoy's CheckRequest, and judged on the rule ids the engine logs (paranoia level 4,
detection only). --crs-dir falls back to PORTCULLIS_CRS_DIR. Exclusions default to test/crs/exclusions.yaml
when present. --filter keeps tests whose "<rule>-<test>" name starts with PREFIX. Exit 1 when a test fails.`,
  async run(argv, io) {
    const { values } = parse(argv, {
      'crs-dir': { type: 'string' },
      filter: { type: 'string' },
      exclusions: { type: 'string' },
      json: { type: 'boolean' },
      failures: { type: 'string' },
    });
    const dir = crsDir(values['crs-dir'], io);
    if (!dir) throw new UsageError('no CRS directory: pass --crs-dir DIR or set PORTCULLIS_CRS_DIR');
    if (!existsSync(join(dir, 'tests', 'regression', 'tests'))) throw new UsageError(`${dir} has no tests/regression/tests`);
    const exclusionFile = values.exclusions ?? (existsSync('test/crs/exclusions.yaml') ? 'test/crs/exclusions.yaml' : undefined);
    const exclusions: Exclusion[] = exclusionFile ? loadExclusions(resolve(exclusionFile)) : [];
    const t0 = performance.now();
    const rs = conformanceRuleSet(resolve(dir));
    const compileMs = performance.now() - t0;
    const tests = loadFtwTests(resolve(dir), values.filter);
    const t1 = performance.now();
    const results = tests.map((t) => runTest(rs, t, exclusions));
    const runMs = performance.now() - t1;
    const report = summarize(results);
    // The slowest request, measured again once warm (best of three) so one GC pause or a cold path does not decide it.
    const byName = new Map(tests.map((t) => [t.name, t]));
    let slowest: { name: string; ms: number } | undefined;
    for (const r of [...results].sort((a, b) => b.ms - a.ms).slice(0, 20)) {
      const t = byName.get(r.name)!;
      let best = Infinity;
      for (let k = 0; k < 3; k++) best = Math.min(best, t.stages.reduce((ms, st) => ms + runStage(rs, st).ms, 0));
      if (!slowest || best > slowest.ms) slowest = { name: r.name, ms: best };
    }
    report.slowest = slowest;
    if (values.json) {
      io.stdout.write(JSON.stringify({ ...report, compileMs, runMs }, null, 2) + '\n');
    } else {
      io.stdout.write(`${formatReport(report)}\n`);
      const max = values.failures !== undefined ? Number(values.failures) : 50;
      if (report.failures.length > 0) {
        io.stdout.write(`\n${report.failures.length} failure(s)${report.failures.length > max ? `, first ${max}` : ''}:\n`);
        for (const f of report.failures.slice(0, max)) io.stdout.write(`  ${f.name}: ${f.reason}\n`);
      }
      io.stdout.write(`\n${rs.ruleCount} rules compiled in ${compileMs.toFixed(0)} ms; ${tests.length} tests in ${(runMs / 1000).toFixed(1)} s` +
        (report.slowest ? `; slowest request ${report.slowest.name} ${report.slowest.ms.toFixed(1)} ms (warm, best of 3)` : '') + '\n');
    }
    return report.failures.length === 0 ? 0 : 1;
  },
};
