import { describe, expect, it } from 'vitest';
import type { CompiledRuleSet } from '../../../../src/checks/waf/engine/compile.js';
import { unfolded } from '../../../../src/checks/waf/engine/fold.js';
import { runWaf, type WafResult } from '../../../../src/checks/waf/engine/waf-engine.js';
import type { EngineMode } from '../../../../src/checks/waf/engine/types.js';
import type { WafInput } from '../../../../src/checks/waf/engine/input.js';
import { compileText, wafInput } from './helpers.js';

/** Everything a transaction's outcome shows: the log, the interruption, TX and the match state. */
function outcome(r: WafResult): unknown {
  return {
    log: r.log,
    interruption: r.interruption,
    engine: r.engine,
    tx: r.tx.tx.entries(),
    matches: r.tx.matchedVars,
  };
}

/** Runs the folded rule set and the same rules with nothing folded; both must agree. */
function same(rs: CompiledRuleSet, over: Partial<WafInput> = {}, engine?: EngineMode): WafResult {
  const folded = runWaf(rs, wafInput(over), engine);
  const plain = runWaf(unfolded(rs), wafInput(over), engine);
  expect(outcome(folded)).toEqual(outcome(plain));
  return folded;
}

function foldCounts(rs: CompiledRuleSet, phase: number): { start: number; noop: number; fired: number } {
  const f = rs.folds.get(phase)!;
  let noop = 0;
  let fired = 0;
  f.next.forEach((to, i) => { if (to >= 0) { if (f.fired[i]) fired++; else noop++; } });
  return { start: f.start, noop, fired };
}

const GATED = `
SecAction "id:1,phase:1,pass,nolog,setvar:tx.pl=1,setvar:tx.score=0"
SecRule &TX:limit "@eq 0" "id:2,phase:1,pass,nolog,setvar:tx.limit=5"
SecRule &TX:other "@eq 0" "id:3,phase:1,pass,nolog,setvar:'tx.other=%{tx.limit}0'"
SecRule TX:pl "@lt 1" "id:10,phase:1,pass,nolog,skipAfter:END-A"
SecRule ARGS "@contains one" "id:11,phase:1,pass,setvar:tx.score=+1"
SecRule TX:pl "@lt 2" "id:12,phase:1,pass,nolog,skipAfter:END-A"
SecRule ARGS "@contains two" "id:13,phase:1,pass,setvar:tx.score=+2"
SecMarker END-A
SecRule TX:pl "@lt 1" "id:20,phase:2,pass,nolog,skipAfter:END-B"
SecRule ARGS "@contains one" "id:21,phase:2,pass,setvar:tx.score=+1"
SecRule TX:pl "@lt 2" "id:22,phase:2,pass,nolog,skipAfter:END-B"
SecRule ARGS "@contains two" "id:23,phase:2,pass,setvar:tx.score=+2"
SecMarker END-B
SecRule TX:score "@ge %{tx.limit}" "id:30,phase:2,deny,status:403"
`;

describe('compile-time folding of request-independent rules', () => {
  it('folds the TX prelude and the paranoia gates, with the same outcome as evaluating them', () => {
    const rs = compileText(GATED);
    expect(foldCounts(rs, 1)).toEqual({ start: 4, noop: 0, fired: 1 });
    expect(rs.folds.get(1)!.prelude!.log.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(foldCounts(rs, 2)).toEqual({ start: 1, noop: 1, fired: 1 });
    for (const uri of ['/', '/?a=one', '/?a=two', '/?a=one&b=one&c=one&d=one&e=one&f=one']) {
      const r = same(rs, { uri });
      expect(r.tx.getTx('other')).toBe('50');
    }
    expect(same(rs, { uri: '/?a=one' }).log.map((e) => e.id)).toEqual([1, 2, 3, 11, 12, 21, 22]);
    expect(same(rs, { uri: '/?a=one&b=one&c=one' }).interruption?.ruleId).toBe(30);
  });

  it('does not fold when the engine is off or in detection only, and both agree', () => {
    const rs = compileText(GATED);
    expect(same(rs, { uri: '/?a=one' }, 'Off').log).toEqual([]);
    same(rs, { uri: '/?a=one&b=one&c=one' }, 'DetectionOnly');
  });

  it('keeps evaluating a gate whose variable a request-dependent rule may write', () => {
    const rs = compileText(`
SecAction "id:1,phase:1,pass,nolog,setvar:tx.pl=1"
SecRule ARGS:pl "@rx ^\\d$" "id:2,phase:1,pass,nolog,setvar:tx.pl=%{MATCHED_VAR}"
SecRule TX:pl "@lt 2" "id:3,phase:1,pass,nolog,skipAfter:END"
SecRule ARGS "@contains x" "id:4,phase:1,pass"
SecMarker END
`);
    expect(foldCounts(rs, 1)).toEqual({ start: 1, noop: 0, fired: 0 });
    expect(same(rs, { uri: '/?a=x' }).log.map((e) => e.id)).toEqual([1, 3]);
    expect(same(rs, { uri: '/?a=x&pl=3' }).log.map((e) => e.id)).toEqual([1, 2, 4]);
  });

  it('counts a macro key as a write of every key with its literal prefix, and capture as TX:0-9', () => {
    const rs = compileText(`
SecAction "id:1,phase:1,pass,nolog,setvar:tx.flag_a=0,setvar:tx.mode=1"
SecRule ARGS_NAMES "@rx ^f" "id:2,phase:1,pass,nolog,setvar:'tx.flag_%{MATCHED_VAR}=1'"
SecRule TX:flag_a "@eq 1" "id:3,phase:1,pass,log"
SecRule TX:mode "@eq 1" "id:4,phase:1,pass,log"
SecRule ARGS "@rx (b)" "id:5,phase:1,pass,nolog,capture"
SecRule TX:1 "@streq b" "id:6,phase:1,pass,log"
`);
    expect(foldCounts(rs, 1)).toEqual({ start: 1, noop: 0, fired: 1 });
    expect(same(rs, { uri: '/?a=1' }).log.map((e) => e.id)).toEqual([1, 4]);
    expect(same(rs, { uri: '/?a=b' }).log.map((e) => e.id)).toEqual([1, 4, 5, 6]);
  });

  it('ends the prelude at the first rule that reads the request, even one only reached on a match', () => {
    const rs = compileText(`
SecAction "id:1,phase:1,pass,nolog,setvar:tx.a=1"
SecRule &TX:b "@eq 1" "id:2,phase:1,pass,nolog,setvar:'tx.ua=%{REQUEST_HEADERS.User-Agent}'"
SecRule &TX:a "@eq 1" "id:3,phase:1,pass,nolog,setvar:'tx.ua=%{REQUEST_HEADERS.User-Agent}'"
SecAction "id:4,phase:1,pass,nolog,setvar:tx.c=1"
`);
    expect(rs.folds.get(1)!.start).toBe(2);
    expect(same(rs).tx.getTx('ua')).toBe('test-agent/1.0');
  });

  it('honours a ctl removal of a folded rule at run time', () => {
    const rs = compileText(`
SecAction "id:1,phase:1,pass,nolog,setvar:tx.pl=1"
SecRule REQUEST_FILENAME "@beginsWith /all" "id:2,phase:1,pass,nolog,ctl:ruleRemoveById=10"
SecRule REQUEST_FILENAME "@beginsWith /tag" "id:3,phase:1,pass,nolog,ctl:ruleRemoveByTag=gate"
SecRule TX:pl "@lt 2" "id:10,phase:2,pass,nolog,tag:'gate',skipAfter:END"
SecRule ARGS "@contains x" "id:11,phase:2,pass"
SecMarker END
`);
    expect(foldCounts(rs, 2)).toEqual({ start: 0, noop: 0, fired: 1 });
    expect(same(rs, { uri: '/a?q=x' }).log.map((e) => e.id)).toEqual([1, 10]);
    expect(same(rs, { uri: '/all?q=x' }).log.map((e) => e.id)).toEqual([1, 2, 11]);
    expect(same(rs, { uri: '/tag?q=x' }).log.map((e) => e.id)).toEqual([1, 3, 11]);
  });

  it('never folds a rule a ctl may remove targets of', () => {
    const rs = compileText(`
SecAction "id:1,phase:1,pass,nolog,setvar:tx.pl=1"
SecRule REQUEST_FILENAME "@beginsWith /x" "id:2,phase:1,pass,nolog,ctl:ruleRemoveTargetById=10;TX:pl"
SecRule &TX:pl "@eq 1" "id:10,phase:2,pass,log"
SecRule &TX:pl "@eq 1" "id:11,phase:2,pass,log,tag:'t'"
SecRule REQUEST_FILENAME "@beginsWith /y" "id:12,phase:2,pass,nolog,ctl:ruleRemoveTargetByTag=t;TX:pl"
`);
    expect(foldCounts(rs, 2)).toEqual({ start: 0, noop: 0, fired: 0 });
    expect(same(rs, { uri: '/x' }).log.map((e) => e.id)).toEqual([1, 2, 11]);
  });

  it('folds chains only when the first rule decides, or every rule matches', () => {
    const rs = compileText(`
SecAction "id:1,phase:1,pass,nolog,setvar:tx.on=1"
SecRule REQUEST_FILENAME "@streq /" "id:2,phase:1,pass,nolog"
SecRule TX:on "@eq 0" "id:3,phase:1,pass,nolog,chain"
    SecRule REQUEST_HEADERS:x "@rx ." "ctl:ruleEngine=Off"
SecRule TX:on "@eq 1" "id:4,phase:1,pass,log,chain"
    SecRule TX:on "@streq 1" "t:none"
SecRule TX:on "@eq 1" "id:5,phase:1,pass,log,chain"
    SecRule REQUEST_HEADERS:x "@rx ." "t:none"
SecRule TX:on "@eq 1" "id:6,phase:1,deny,log"
`);
    expect(foldCounts(rs, 1)).toEqual({ start: 1, noop: 1, fired: 1 });
    expect(same(rs, { headers: [['x', 'y']] }).log.map((e) => e.id)).toEqual([1, 2, 4, 5, 6]);
  });

  it('folds a rule that never matches whatever it would write, but not one that always matches and writes', () => {
    const rs = compileText(`
SecAction "id:1,phase:1,pass,nolog,setvar:tx.pl=1,setvar:tx.score=0"
SecRule ARGS "@contains x" "id:2,phase:2,pass,setvar:tx.score=+3"
SecRule TX:pl "@ge 2" "id:3,phase:2,pass,nolog,setvar:'tx.total=+%{tx.score}',ctl:ruleEngine=Off"
SecRule TX:pl "@ge 1" "id:4,phase:2,pass,nolog,setvar:'tx.total=+%{tx.score}'"
`);
    expect(foldCounts(rs, 2)).toEqual({ start: 0, noop: 1, fired: 0 });
    expect(same(rs, { uri: '/?a=x' }).tx.getTx('total')).toBe('3');
  });

  it('folds each rule set with its own values (per-route paranoia levels)', () => {
    const rules = (pl: number): string => `
SecAction "id:1,phase:1,pass,nolog,setvar:tx.pl=${pl}"
SecRule TX:pl "@lt 2" "id:10,phase:2,pass,nolog,skipAfter:END"
SecRule ARGS "@contains x" "id:11,phase:2,pass"
SecMarker END
`;
    expect(same(compileText(rules(1)), { uri: '/?a=x' }).log.map((e) => e.id)).toEqual([1, 10]);
    expect(same(compileText(rules(2)), { uri: '/?a=x' }).log.map((e) => e.id)).toEqual([1, 11]);
  });
});

describe.skipIf(!process.env.PORTCULLIS_CRS_DIR)('folding CRS', () => {
  it('changes no outcome of CRS at paranoia levels 1 and 3', async () => {
    const { buildRuleSet } = await import('../../../../src/checks/waf/ruleset.js');
    const requests: Array<Partial<WafInput>> = [
      { uri: '/api/users/7?page=2&sort=name' },
      { uri: '/api/users?id=1%27%20UNION%20SELECT%20password%20FROM%20users--' },
      { uri: '/?q=<script>alert(1)</script>' },
      { uri: '/../../etc/passwd' },
      { method: 'POST', uri: '/api', headers: [['host', 'a.example'], ['content-type', 'application/json']], body: '{"a":"b; cat /etc/passwd"}' },
      { method: 'TRACE', uri: '/', headers: [] },
    ];
    for (const paranoia of [1, 3]) {
      const rs = buildRuleSet('crs', { crs: { paranoia } }, { resolvePath: (p) => p, crsDirOverride: process.env.PORTCULLIS_CRS_DIR, warn: () => undefined });
      expect(rs.compiled.folds.get(1)!.prelude).toBeDefined();
      for (const r of requests) same(rs.compiled, r);
    }
  });
});
