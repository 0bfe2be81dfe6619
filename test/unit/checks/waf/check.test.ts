import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../../../src/config/types.js';
import { wafCheck, excerpt } from '../../../../src/checks/waf/index.js';
import { wafSection, type WafSection } from '../../../../src/checks/waf/section.js';
import type { DenyOutcome, Outcome } from '../../../../src/pipeline/types.js';
import { makeCheckDeps, makeContext, makeDeps, makeRequest, type TestRequest } from '../../../helpers/request.js';

const customRules = fileURLToPath(new URL('../../../../envoy/rules/custom.conf', import.meta.url));

async function section(rulesets: Record<string, unknown>): Promise<WafSection> {
  return wafSection.compile({ rulesets } as never, makeDeps());
}

async function check(sec: WafSection, spec: Record<string, unknown> = { ruleset: 'custom' }) {
  return wafCheck.compile(spec as never, makeCheckDeps({ shared: { waf: sec } }));
}

describe('waf check with the example custom rules', async () => {
  const sec = await section({ custom: { rules: [customRules] } });
  const waf = await check(sec);
  const go = async (t: TestRequest): Promise<Outcome> => waf.run(makeRequest(t), makeContext());

  it('blocks SQL injection in the request target with rule 1000', async () => {
    for (const path of ['/api/users?id=1%20UNION%20SELECT%20password', '/search?q=x%27;select+from+users--', '/x?q=1%20UnIoN%0aSeLeCt%202']) {
      const out = (await go({ path })) as DenyOutcome;
      expect(out.pass, path).toBe(false);
      expect(out).toMatchObject({ status: 403, code: 'waf.blocked' });
      expect(out.reason).toBe('rule 1000: SQL Injection blocked');
      expect((out.notes as any).waf.ruleIds).toEqual(['1000']);
    }
  });

  it('blocks script tags and javascript: URLs in arguments (query and body) with rule 1001', async () => {
    const q = (await go({ path: '/comment?text=%3Cscript%3Ealert(1)%3C/script%3E' })) as DenyOutcome;
    expect(q).toMatchObject({ pass: false, status: 403, code: 'waf.blocked', reason: 'rule 1001: XSS blocked' });
    const body = (await go({ method: 'POST', path: '/comment', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'url=JavaScript:alert(1)' })) as DenyOutcome;
    expect(body.pass).toBe(false);
    const json = (await go({ method: 'POST', path: '/comment', body: { post: { html: '<SCRIPT src=//x>' } } })) as DenyOutcome;
    expect(json.pass).toBe(false);
    expect((json.notes as any).waf.matched[0]).toMatchObject({ id: 1001, var: 'ARGS:json.post.html' });
  });

  it('passes benign look-alikes', async () => {
    for (const t of [
      { path: '/api/users?sort=selected&filter=union-station' },
      { path: '/docs/selection/from-here' },
      { path: '/search?q=how+to+select+a+union+rep' },
      { path: '/comment?text=I+read+the+javascript+book' },
      { path: '/comment?text=scripts+and+descriptions' },
      { method: 'POST', path: '/comment', body: { text: 'the <b>manuscript</b> is ready' } },
    ] as TestRequest[]) {
      expect(await go(t), JSON.stringify(t)).toEqual({ pass: true });
    }
  });

  it('records detection-only matches without enforcing them', async () => {
    const detect = await check(sec, { ruleset: 'custom', engine: 'DetectionOnly' });
    const out = await detect.run(makeRequest({ path: '/?q=union%20select%201' }), makeContext());
    expect(out.pass).toBe(true);
    expect((out.notes as any).waf).toMatchObject({ mode: 'DetectionOnly', ruleIds: ['1000'] });
  });
});

describe('waf section and check configuration', () => {
  it('compiles a rule set once and shares it between routes', async () => {
    const sec = await section({ inline: { inline: 'SecRule ARGS "@streq x" "id:5,phase:2,deny,status:451"' } });
    const a = await check(sec, { ruleset: 'inline' });
    const b = await check(sec, { ruleset: 'inline' });
    expect(sec.rulesets.get('inline')!.ruleCount).toBe(3); // two built-in body-processor rules + one
    for (const c of [a, b]) expect(await c.run(makeRequest({ path: '/?q=x' }), makeContext())).toMatchObject({ pass: false, status: 451 });
  });

  it('refuses partial bodies when configured, inspects them otherwise', async () => {
    const sec = await section({
      strict: { inline: 'SecRule ARGS "@streq x" "id:5,phase:2,deny"', partialBody: 'deny' },
      lenient: { inline: 'SecRule ARGS "@streq x" "id:5,phase:2,deny"' },
    });
    const req = () => makeRequest({ method: 'POST', path: '/', headers: { 'content-type': 'application/json', 'x-envoy-auth-partial-body': 'true' }, body: '{"a":"x","b":"tru' });
    expect(await (await check(sec, { ruleset: 'strict' })).run(req(), makeContext())).toMatchObject({ pass: false, status: 413, code: 'waf.body_partial' });
    // Truncation is not the client's parse error: the rule still sees "a".
    expect(await (await check(sec, { ruleset: 'lenient' })).run(req(), makeContext())).toMatchObject({ pass: false, status: 403, code: 'waf.blocked' });
  });

  it('names the unknown rule set, and SecLang errors with their file and line', async () => {
    const sec = await section({ custom: { inline: 'SecAction "id:1,phase:1,pass"' } });
    await expect(check(sec, { ruleset: 'nope' })).rejects.toThrow(/unknown WAF rule set "nope" \(defined: custom\)/);
    await expect(section({ bad: { inline: 'SecAction "id:1,phase:1,pass"\nSecRule ARGS "@nope x" "id:2"' } })).rejects.toThrow(PolicyError);
    await expect(section({ bad: { inline: 'SecAction "id:1,phase:1,pass"\nSecRule ARGS "@nope x" "id:2"' } })).rejects.toThrow(/waf\.rulesets\.bad: <ruleset bad inline>:2: unknown operator @nope/);
    await expect(section({ crs: { crs: { dir: '/nonexistent-crs' } } })).rejects.toThrow(/not a CRS directory/);
  });

  it('keeps secret values out of messages in the record', async () => {
    const sec = await section({ s: { inline: `SecRule REQUEST_COOKIES "@contains '" "id:7,phase:1,deny,msg:'quote in %{MATCHED_VAR_NAME}: %{MATCHED_VAR}'"` } });
    const out = await (await check(sec, { ruleset: 's' })).run(makeRequest({ path: '/', headers: { cookie: "session=abc'def-secret" } }), makeContext());
    const m = (out.notes as any).waf.matched[0];
    expect(m).toEqual({ id: 7, msg: 'quote in REQUEST_COOKIES:session: [redacted]', var: 'REQUEST_COOKIES:session', data: '[redacted]' });
    expect(JSON.stringify(out)).not.toContain('secret');
  });

  it('redacts secret-looking variables and truncates excerpts', () => {
    expect(excerpt('REQUEST_COOKIES:session', 'abc')).toBe('[redacted]');
    expect(excerpt('REQUEST_HEADERS:authorization', 'Bearer x')).toBe('[redacted]');
    expect(excerpt('ARGS:password', 'hunter2')).toBe('[redacted]');
    expect(excerpt('ARGS:q', 'a'.repeat(100))).toBe('a'.repeat(64) + '...');
    expect(excerpt('ARGS:q', 'a\x00\xff')).toBe('a\\x00\\xff');
  });
});
