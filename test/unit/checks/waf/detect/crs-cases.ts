/**
 * Turns the CRS regression tests of a rule into the values that rule's targets would hold, so detector tests can
 * be judged by CRS's own expectations without running the engine. CRS is read at run time from
 * PORTCULLIS_CRS_DIR (CI exports it; the README says how to get CRS).
 *
 * Emulated: urlencoded bodies and query strings (ModSecurity decoding), XML bodies (XML:/* and XML://@*),
 * User-Agent, Referer and cookies, REQUEST_FILENAME and REQUEST_BASENAME, then the rule's t:urlDecodeUni and
 * t:removeNulls. The other transformations of 941100 (entity, JS and CSS decoding) change none of these payloads.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { parseUrlEncoded } from '../../../../../src/checks/waf/body/urlencoded.js';
import { parseXml } from '../../../../../src/checks/waf/body/xml.js';

export interface CrsCase {
  id: string;
  expect: boolean;
  values: string[];
}

export function crsDir(): string {
  const fromEnv = process.env.PORTCULLIS_CRS_DIR;
  if (fromEnv) return fromEnv;
  throw new Error('CRS not found: set PORTCULLIS_CRS_DIR to a CRS v4 checkout');
}

function findRuleFile(ruleId: number): string {
  const root = join(crsDir(), 'tests', 'regression', 'tests');
  for (const dir of readdirSync(root)) {
    const f = join(root, dir, `${ruleId}.yaml`);
    if (existsSync(f)) return f;
  }
  throw new Error(`no CRS tests for rule ${ruleId}`);
}

/** t:urlDecodeUni: %hh, %uhhhh (low byte, as ModSecurity keeps it), + as space; invalid escapes kept. */
export function urlDecodeUni(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '+') out += ' ';
    else if (c === '%' && /^[uU][0-9a-fA-F]{4}/.test(s.slice(i + 1, i + 6))) {
      out += String.fromCharCode(parseInt(s.slice(i + 4, i + 6), 16));
      i += 5;
    } else if (c === '%' && /^[0-9a-fA-F]{2}/.test(s.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += c;
  }
  return out;
}

const transform = (v: string): string => urlDecodeUni(v).replace(/\x00/g, '');

export function crsCases(ruleId: number, targets: { filename?: boolean; args?: boolean; referer?: boolean }): CrsCase[] {
  const doc = YAML.parse(readFileSync(findRuleFile(ruleId), 'utf8')) as { tests: Array<{ test_id: number; stages: Array<{ input: Record<string, unknown>; output: { log?: { expect_ids?: number[]; no_expect_ids?: number[] } } }> }> };
  const cases: CrsCase[] = [];
  for (const t of doc.tests) {
    for (const stage of t.stages) {
      const log = stage.output.log ?? {};
      const expect = (log.expect_ids ?? []).includes(ruleId);
      if (!expect && !(log.no_expect_ids ?? []).includes(ruleId)) continue;
      const input = stage.input;
      const headers = Object.fromEntries(Object.entries((input.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), String(v)]));
      const latin1 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
      const uri = latin1(String(input.uri ?? '/'));
      const q = uri.indexOf('?');
      const path = q === -1 ? uri : uri.slice(0, q);
      const raw: string[] = [];
      if (targets.filename) {
        raw.push(path, path.slice(path.lastIndexOf('/') + 1));
      }
      if (targets.args) {
        const args = q === -1 ? [] : parseUrlEncoded(uri.slice(q + 1)).args;
        const data = input.data === undefined ? undefined : latin1(String(input.data));
        const ct = headers['content-type'] ?? 'application/x-www-form-urlencoded';
        if (data !== undefined) {
          if (/xml/i.test(ct)) {
            const x = parseXml(data, { maxDepth: 64 });
            raw.push(...x.texts, ...x.attributes.map(([, v]) => v));
          } else if (/urlencoded/i.test(ct)) {
            args.push(...parseUrlEncoded(data).args);
          }
        }
        for (const [k, v] of args) raw.push(k, v);
        if (headers['user-agent']) raw.push(latin1(headers['user-agent']));
        for (const c of (headers.cookie ?? '').split(';')) if (c.trim()) raw.push(...c.trim().split('=', 2));
      }
      if (targets.referer && headers.referer) raw.push(latin1(headers.referer));
      cases.push({ id: `${ruleId}-${t.test_id}`, expect, values: raw.map(transform) });
    }
  }
  return cases;
}
