import { describe, expect, it } from 'vitest';
import { runWaf } from '../../../../src/checks/waf/engine/waf-engine.js';
import { compileText, ids, run, wafInput } from './helpers.js';

describe('WAF evaluation', () => {
  it('scores with setvar and macros, and denies through an anomaly rule with @ge %{tx...}', () => {
    const rs = compileText(`
SecAction "id:1,phase:1,pass,nolog,setvar:tx.threshold=10,setvar:tx.score=0"
SecRule ARGS "@contains evil" "id:2,phase:2,pass,setvar:tx.score=+5,msg:'evil in %{MATCHED_VAR_NAME}'"
SecRule TX:score "@ge %{tx.threshold}" "id:3,phase:2,deny,status:418,msg:'score %{tx.score}'"
`);
    const one = run(rs, { uri: '/?a=evil' });
    expect(one.interruption).toBeUndefined();
    expect(one.tx.getTx('score')).toBe('5');
    expect(one.log.find((e) => e.id === 2)?.msg).toBe('evil in ARGS:a');
    const two = run(rs, { uri: '/?a=evil&b=evil' });
    expect(two.interruption).toEqual({ ruleId: 3, status: 418, action: 'deny' });
    expect(two.log.find((e) => e.id === 3)?.msg).toBe('score 10');
  });

  it('captures into TX:0..9 and expands them in logdata; chains see what the first rule captured', () => {
    const rs = compileText(`
SecRule REQUEST_HEADERS:Content-Type "@rx charset\\s*=\\s*([^;\\s]+)" "id:10,phase:1,pass,capture,chain,logdata:'cs=%{TX.1}'"
    SecRule TX:1 "!@within utf-8 iso-8859-1" "t:lowercase"
`);
    const bad = run(rs, { headers: [['content-type', 'text/plain; charset=UTF-7']] });
    expect(bad.log.map((e) => [e.id, e.data])).toEqual([[10, 'cs=UTF-7']]);
    expect(ids(run(rs, { headers: [['content-type', 'text/plain; charset=UTF-8']] }))).toEqual([]);
  });

  it('skipAfter jumps to the marker; skip counts rules', () => {
    const rs = compileText(`
SecRule ARGS:skip "@eq 1" "id:20,phase:1,pass,nolog,skipAfter:END"
SecAction "id:21,phase:1,pass,log"
SecMarker END
SecAction "id:22,phase:1,pass,log"
SecRule ARGS:skip "@eq 2" "id:23,phase:1,pass,nolog,skip:1"
SecAction "id:24,phase:1,pass,log"
SecAction "id:25,phase:1,pass,log"
`);
    expect(ids(run(rs, { uri: '/?skip=1' }))).toEqual([20, 22, 24, 25]);
    expect(ids(run(rs, { uri: '/?skip=2' }))).toEqual([21, 22, 23, 25]);
  });

  it('ctl removes rules and targets for the rest of the transaction', () => {
    const rs = compileText(`
SecRule REQUEST_FILENAME "@beginsWith /upload" "id:30,phase:1,pass,nolog,ctl:ruleRemoveById=32,ctl:ruleRemoveTargetById=33;ARGS:html"
SecRule REQUEST_FILENAME "@beginsWith /quiet" "id:31,phase:1,pass,nolog,ctl:ruleRemoveByTag=noisy"
SecRule ARGS "@contains x" "id:32,phase:2,pass"
SecRule ARGS "@contains <" "id:33,phase:2,pass"
SecRule ARGS "@contains y" "id:34,phase:2,pass,tag:'noisy'"
`);
    expect(ids(run(rs, { uri: '/a?html=<x&other=y' }))).toEqual([32, 33, 34]);
    expect(ids(run(rs, { uri: '/upload?html=<x&other=y' }))).toEqual([30, 34]);
    expect(ids(run(rs, { uri: '/upload?html=<x&other=<y' }))).toEqual([30, 33, 34]);
    expect(ids(run(rs, { uri: '/quiet?html=<x&other=y' }))).toEqual([31, 32, 33]);
  });

  it('applies exclusions, counts, regex keys and SecRuleUpdateTargetById', () => {
    const rs = compileText(`
SecRule ARGS|!ARGS:safe "@contains bad" "id:40,phase:2,pass"
SecRule &ARGS "@gt 2" "id:41,phase:2,pass"
SecRule ARGS:/^p_/ "@contains bad" "id:42,phase:2,pass"
SecRule REQUEST_COOKIES "@contains bad" "id:43,phase:1,pass"
SecRuleUpdateTargetById 43 "!REQUEST_COOKIES:session"
`);
    expect(ids(run(rs, { uri: '/?safe=bad' }))).toEqual([]);
    expect(ids(run(rs, { uri: '/?x=bad&y=1&z=2' }))).toEqual([40, 41]);
    expect(ids(run(rs, { uri: '/?P_x=bad' }))).toEqual([40, 42]);
    expect(ids(run(rs, { headers: [['cookie', 'session=bad; theme=bad']] }))).toEqual([43]);
    expect(run(rs, { headers: [['cookie', 'session=bad']] }).log).toEqual([]);
  });

  it('multiMatch runs the operator after every transformation step', () => {
    const rs = compileText(`
SecRule ARGS "@streq a b" "id:50,phase:2,pass,t:none,t:urlDecodeUni,t:removeWhitespace,multiMatch"
SecRule ARGS "@streq a b" "id:51,phase:2,pass,t:none,t:urlDecodeUni,t:removeWhitespace"
`);
    expect(ids(run(rs, { uri: '/?q=a%2520b' }))).toEqual([50]);
  });

  it('DetectionOnly records but never interrupts; block follows SecDefaultAction; allow stops evaluation', () => {
    const text = `
SecDefaultAction "phase:2,log,deny,status:406"
SecRule ARGS "@contains allow-me" "id:60,phase:1,allow,nolog"
SecRule ARGS "@contains bad" "id:61,phase:2,block"
`;
    const rs = compileText(text);
    expect(run(rs, { uri: '/?a=bad' }).interruption).toEqual({ ruleId: 61, status: 406, action: 'deny' });
    expect(run(rs, { uri: '/?a=bad&b=allow-me' }).interruption).toBeUndefined();
    const detect = runWaf(rs, wafInput({ uri: '/?a=bad' }), 'DetectionOnly');
    expect(detect.interruption).toBeUndefined();
    expect(detect.log.map((e) => e.id)).toEqual([61]);
  });

  it('sees the raw request target, not a normalized path', () => {
    const rs = compileText(`SecRule REQUEST_URI "@contains /../" "id:70,phase:1,deny"\nSecRule REQUEST_FILENAME "@contains /a b" "id:71,phase:1,pass"`);
    expect(run(rs, { uri: '/x/../etc?q=1' }).interruption?.ruleId).toBe(70);
    expect(ids(run(rs, { uri: '/a%20b' }))).toEqual([71]);
  });

  it('parses bodies by content type and flags broken ones with REQBODY_ERROR', () => {
    const rs = compileText(`
SecRule REQBODY_ERROR "!@eq 0" "id:80,phase:2,deny,status:400"
SecRule ARGS:json.user.name "@streq root" "id:81,phase:2,deny"
SecRule ARGS_POST:a "@streq 1" "id:82,phase:2,pass"
SecRule XML:/* "@contains secret" "id:83,phase:2,pass"
SecRule REQBODY_PROCESSOR "@streq JSON" "id:84,phase:1,pass,nolog"
`);
    const json = [['content-type', 'application/json']] as Array<[string, string]>;
    expect(run(rs, { method: 'POST', headers: json, body: '{"user":{"name":"root"}}' }).interruption?.ruleId).toBe(81);
    expect(run(rs, { method: 'POST', headers: json, body: '{"user":' }).interruption?.ruleId).toBe(80);
    expect(ids(run(rs, { method: 'POST', headers: [['content-type', 'application/x-www-form-urlencoded']], body: 'a=1&b=2' }))).toEqual([82]);
    expect(ids(run(rs, { method: 'POST', headers: [['content-type', 'text/xml']], body: '<a><b>secret</b></a>' }))).toEqual([83]);
  });

  it('survives hostile input: bad percent-encoding, invalid UTF-8, NUL, deep JSON, huge values', () => {
    const rs = compileText(`
SecRule REQBODY_ERROR "!@eq 0" "id:90,phase:2,pass"
SecRule ARGS|REQUEST_URI "@validateUtf8Encoding" "id:91,phase:2,pass,t:urlDecodeUni"
SecRule REQUEST_URI "@validateUrlEncoding" "id:92,phase:1,pass"
SecRule ARGS "@rx (?i)\\W+\\d*?\\s*?\\bhaving\\b\\s*?[^\\s\\-]" "id:93,phase:2,pass"
`);
    const t0 = performance.now();
    expect(ids(run(rs, { uri: '/?a=%zz%' }))).toContain(92);
    expect(ids(run(rs, { uri: '/?a=%c3%28' }))).toContain(91);
    expect(ids(run(rs, { uri: '/?a=x%00y' }))).toEqual([]);
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expect(ids(run(rs, { method: 'POST', headers: [['content-type', 'application/json']], body: deep }))).toContain(90);
    expect(ids(run(rs, { uri: `/?a=${'%20'.repeat(20000)}having` }))).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('argument limits', () => {
  it('keeps at most SecArgumentsLimit query arguments, so a huge query cannot multiply rule runs', () => {
    const rs = compileText('SecArgumentsLimit 50\nSecRule &ARGS "@eq 50" "id:1,phase:1,pass"\nSecRule ARGS "@contains evil" "id:2,phase:1,pass"');
    const query = Array.from({ length: 20000 }, (_, i) => `a${i}=${i}`).join('&') + '&x=evil';
    const t0 = performance.now();
    const r = run(rs, { uri: `/?${query}` });
    expect(ids(r)).toEqual([1]);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
