import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecLangFile } from '../../../../src/checks/waf/seclang/load.js';
import { parseActions, parseOperator, parseTargets } from '../../../../src/checks/waf/seclang/rule-syntax.js';
import { SecLangError, tokenize } from '../../../../src/checks/waf/seclang/tokenize.js';
import { compileText } from './helpers.js';

describe('SecLang tokenizer', () => {
  it('joins backslash continuations and keeps the first line number', () => {
    const d = tokenize('# comment\n\nSecRule ARGS "@rx a b" \\\n    "id:1,\\\n    deny"\nSecMarker END\n', 'f.conf');
    expect(d).toHaveLength(2);
    expect(d[0]).toMatchObject({ name: 'SecRule', args: ['ARGS', '@rx a b', 'id:1,    deny'], file: 'f.conf', line: 3 });
    expect(d[1]).toMatchObject({ name: 'SecMarker', args: ['END'], line: 6 });
  });

  it('unescapes only \\" inside double quotes, keeping regex backslashes', () => {
    const [d] = tokenize('SecRule ARGS "@rx \\"\\d+\\x41" "id:1"', 'f');
    expect(d!.args[1]).toBe('@rx "\\d+\\x41');
  });

  it('reports an unterminated quote with file and line', () => {
    expect(() => tokenize('\nSecRule ARGS "@rx a', 'x.conf')).toThrow(/x\.conf:2: unterminated/);
  });
});

describe('rule syntax', () => {
  it('parses targets with exclusions, counts, keys and regex keys', () => {
    const t = parseTargets('ARGS|!ARGS:foo|&TX:score|REQUEST_COOKIES:/^__utm/|XML:/*');
    expect(t).toEqual([
      { name: 'ARGS', key: undefined, keyIsRegex: false, count: false, exclude: false },
      { name: 'ARGS', key: 'foo', keyIsRegex: false, count: false, exclude: true },
      { name: 'TX', key: 'score', keyIsRegex: false, count: true, exclude: false },
      { name: 'REQUEST_COOKIES', key: '^__utm', keyIsRegex: true, count: false, exclude: false },
      { name: 'XML', key: '/*', keyIsRegex: false, count: false, exclude: false },
    ]);
  });

  it('parses operators, negation and the implicit @rx', () => {
    expect(parseOperator('!@eq 0')).toEqual({ name: 'eq', arg: '0', negated: true });
    expect(parseOperator('^foo$')).toEqual({ name: 'rx', arg: '^foo$', negated: false });
    expect(parseOperator('@unconditionalMatch')).toEqual({ name: 'unconditionalMatch', arg: '', negated: false });
  });

  it('parses quoted action values with commas and escaped quotes', () => {
    expect(parseActions("id:1, msg:'a, b \\'c\\'',t:none,  pass")).toEqual([
      { name: 'id', value: '1' },
      { name: 'msg', value: "a, b 'c'" },
      { name: 't', value: 'none' },
      { name: 'pass' },
    ]);
  });
});

describe('SecLang compile errors name file and line', () => {
  const cases: Array<[string, RegExp]> = [
    ['SecFrobnicate On', /unknown directive SecFrobnicate/],
    ['SecRule NOPE "@rx a" "id:1"', /unknown variable NOPE/],
    ['SecRule ARGS "@frob a" "id:1"', /unknown operator @frob/],
    ['SecRule ARGS "@rx a" "id:1,t:rot13"', /unknown transformation "rot13"/],
    ['SecRule ARGS "@rx a" "id:1,explode"', /unknown or unsupported action "explode"/],
    ['SecRule ARGS "@rx (a" "id:1"', /bad regex/],
    ['SecRule ARGS "@rx (?=a)" "id:1"', /lookaround/],
    ['SecRule ARGS "@rx (a)\\1" "id:1"', /backreferences/],
    ['SecRule ARGS "@rx a" "phase:1"', /rule has no id/],
    ['SecRule ARGS "@rx a" "id:1"\nSecRule ARGS "@rx b" "id:1"', /duplicate rule id 1/],
    ['SecRule ARGS "@rx a" "id:1,chain"', /announces a chain/],
    ['SecRule ARGS "@rx a" "id:1,ctl:explode=1"', /unknown ctl/],
    ['SecRule XML:/a/b "@rx a" "id:1"', /unsupported XPath/],
    ['SecRule REQUEST_URI:x "@rx a" "id:1"', /not a collection/],
  ];
  for (const [text, re] of cases) {
    it(`rejects: ${text.split('\n')[0]}`, () => {
      let err: unknown;
      try { compileText(`\n${text}`, 'site.conf'); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(SecLangError);
      expect((err as Error).message).toMatch(/^site\.conf:[23]: /);
      expect((err as Error).message).toMatch(re);
    });
  }
});

describe('Include', () => {
  it('follows files and globs relative to the including file, in sorted order, and refuses cycles', () => {
    const dir = mkdtempSync(join(tmpdir(), 'waf-include-'));
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', 'b.conf'), 'SecMarker B\n');
    writeFileSync(join(dir, 'conf.d', 'a.conf'), 'SecMarker A\n');
    writeFileSync(join(dir, 'main.conf'), 'Include conf.d/*.conf\nSecMarker MAIN\n');
    expect(loadSecLangFile(join(dir, 'main.conf')).map((d) => d.args[0])).toEqual(['A', 'B', 'MAIN']);
    writeFileSync(join(dir, 'loop.conf'), 'Include loop.conf\n');
    expect(() => loadSecLangFile(join(dir, 'loop.conf'))).toThrow(/Include cycle/);
    writeFileSync(join(dir, 'missing.conf'), 'Include nope.conf\n');
    expect(() => loadSecLangFile(join(dir, 'missing.conf'))).toThrow(/missing\.conf:1: Include: no such file/);
  });
});
