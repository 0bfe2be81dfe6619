/**
 * Loads CRS's go-ftw regression tests (tests/regression/tests/**.yaml) and our own exclusion file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { FtwInput } from './ftw-request.js';

export interface FtwOutput {
  status?: number;
  expect_error?: boolean;
  log?: { expect_ids?: number[]; no_expect_ids?: number[]; match_regex?: string; no_match_regex?: string };
  log_contains?: string;
  no_log_contains?: string;
  retry_once?: boolean;
}

export interface FtwStage {
  input: FtwInput;
  output: FtwOutput;
}

export interface FtwTest {
  /** "<rule>-<test>" */
  name: string;
  ruleId: number;
  /** First three digits of the rule id. */
  family: string;
  desc?: string;
  stages: FtwStage[];
}

export interface Exclusion {
  /** "<rule>-<test>" or a whole rule ("<rule>"). */
  test: string;
  category: 'response-phase' | 'webserver-status' | 'envoy-rejects';
  reason: string;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
}

export function loadFtwTests(crsDir: string, filter?: string): FtwTest[] {
  const files: string[] = [];
  walk(join(crsDir, 'tests', 'regression', 'tests'), files);
  const tests: FtwTest[] = [];
  for (const file of files) {
    const doc = parse(readFileSync(file, 'utf8')) as { rule_id?: number; meta?: { enabled?: boolean }; tests?: Array<Record<string, unknown>> } | null;
    if (!doc || !Array.isArray(doc.tests) || doc.meta?.enabled === false) continue;
    const ruleId = Number(doc.rule_id ?? /(\d{6})/.exec(file)?.[1] ?? 0);
    doc.tests.forEach((t, i) => {
      const testId = Number(t.test_id ?? i + 1);
      const name = `${ruleId}-${testId}`;
      if (filter && !name.startsWith(filter)) return;
      const stages = ((t.stages as Array<Record<string, unknown>>) ?? []).map((s) => {
        // ftw-tests-schema v1 nested the stage under `stage:`.
        const st = (s.stage as Record<string, unknown> | undefined) ?? s;
        return { input: (st.input ?? {}) as FtwInput, output: (st.output ?? {}) as FtwOutput };
      });
      tests.push({ name, ruleId, family: String(ruleId).slice(0, 3), desc: t.desc as string | undefined, stages });
    });
  }
  return tests;
}

export function loadExclusions(file: string): Exclusion[] {
  const doc = parse(readFileSync(file, 'utf8')) as { exclusions?: Exclusion[] } | null;
  const list = doc?.exclusions ?? [];
  for (const e of list) {
    if (!e.test || !e.category || !e.reason) throw new Error(`${file}: every exclusion needs test, category and reason`);
    if (!['response-phase', 'webserver-status', 'envoy-rejects'].includes(e.category)) throw new Error(`${file}: ${e.test}: category ${e.category} is not allowed`);
  }
  return list;
}

export function exclusionFor(test: FtwTest, list: readonly Exclusion[]): Exclusion | undefined {
  return list.find((e) => e.test === test.name || e.test === String(test.ruleId));
}
