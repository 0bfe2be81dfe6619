import { describe, expect, it } from 'vitest';
import { compileByteRegex, V8_MAX_INPUT } from '../../../../src/checks/waf/regex/byte-regex.js';
import { parseRegex } from '../../../../src/checks/waf/regex/ast.js';
import { requiredLiterals } from '../../../../src/checks/waf/regex/prefilter.js';
import { compileKeyMatcher } from '../../../../src/checks/waf/regex/key-matcher.js';

// CRS rule 942251 (paranoia 3): cubic backtracking in V8 on long runs of whitespace.
const RULE_942251 = '(?i)\\W+\\d*?\\s*?\\bhaving\\b\\s*?[^\\s\\-]';

describe('byte regexes', () => {
  it('runs 942251 on 64 KiB of spaces in milliseconds (linear engine for long input)', () => {
    const re = compileByteRegex(RULE_942251);
    for (const input of [' '.repeat(65536), 'having' + ' '.repeat(65536), ' '.repeat(65536) + 'having']) {
      const t0 = performance.now();
      expect(re.test(input)).toBe(false);
      expect(performance.now() - t0).toBeLessThan(250);
    }
    expect(re.test("1' having 1=1")).toBe(true);
  });

  it('keeps byte semantics: \\x{hh} is one byte, (?i) folds ASCII only, \\s is PCRE\'s', () => {
    expect(compileByteRegex('\\x{c2}\\x{b4}').test('a\xc2\xb4b')).toBe(true);
    const folded = compileByteRegex('(?i)\\x{c2}');
    expect(folded.test('\xe2')).toBe(false); // Latin-1 letters never fold in byte mode
    expect(compileByteRegex('(?i)abc').test('xABCx')).toBe(true);
    expect(compileByteRegex('^\\s$').test('\x0b')).toBe(true);
    expect(compileByteRegex('^\\s$').test('\xa0')).toBe(false);
    expect(compileByteRegex('(?i:ab)c').test('ABc')).toBe(true);
    expect(compileByteRegex('(?i:ab)c').test('ABC')).toBe(false);
    expect(compileByteRegex('^(?i)up').test('UP')).toBe(true);
    expect(compileByteRegex('a.b').test('a\nb')).toBe(true); // DOTALL, as CRS assumes
    expect(compileByteRegex('[]a]').test(']')).toBe(true);
  });

  it('gives the same answers on short (V8) and long (re2js) inputs', () => {
    const re = compileByteRegex('(?i)(?:union\\s+select|select\\s+from)');
    const pad = 'x'.repeat(V8_MAX_INPUT);
    for (const s of ['1 UNION  SELECT 2', 'select\tfrom t', 'selection from', 'unionselect']) {
      expect(re.test(s + pad)).toBe(re.test(s));
    }
    expect(re.exec('a union select b')).toEqual(['union select']);
    expect(re.exec(pad + 'a union select b')).toEqual(['union select']);
  });

  it('extracts capture groups (missing groups as empty strings)', () => {
    expect(compileByteRegex('(a)(b)?c').exec('xacx')).toEqual(['ac', 'a', '']);
  });

  it('derives required literals that every match contains', () => {
    const lits = (p: string) => requiredLiterals(parseRegex(p).node);
    expect(lits('(?i)\\bhaving\\b')).toEqual(['having']);
    expect(lits('foo|bar')?.sort()).toEqual(['bar', 'foo']);
    expect(lits('a*')).toBeUndefined();
    expect(lits('(?:ab)?cd')).toEqual(['cd']);
  });

  it('runs on V8 only patterns without nested ambiguity; a bounded repetition with few ways to match is not one', () => {
    const engine = (p: string) => compileByteRegex(p).engine;
    // CRS 920100's address: at most 3^3 ways at a position.
    expect(engine(String.raw`^connect (?:[0-9]{1,3}\.){3}[0-9]{1,3}$`)).toBe('v8+re2js');
    expect(engine(String.raw`^(?:a|b){4}c`)).toBe('v8+re2js');
    // Unbounded inside or outside, too many ways, or a bounded one itself repeated: re2js.
    expect(engine(String.raw`^(?:[0-9]+\.){3}x`)).toBe('re2js');
    expect(engine(String.raw`^(?:[0-9]{1,3}\.)+x`)).toBe('re2js');
    expect(engine(String.raw`^(?:a{1,10}){10}x`)).toBe('re2js');
    expect(engine(String.raw`^(?:(?:a{1,3}){3})+x`)).toBe('re2js');
    // Whatever the engine, an adversarial input stays fast.
    const t0 = performance.now();
    compileByteRegex(String.raw`^connect (?:[0-9]{1,3}\.){3}[0-9]{1,3}$`).test(`connect ${'1'.repeat(120)}`);
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('rejects constructs a linear engine cannot run', () => {
    expect(() => compileByteRegex('(?=x)')).toThrow(/lookaround/);
    expect(() => compileByteRegex('(a)\\1')).toThrow(/backreferences/);
    expect(() => compileByteRegex('a++')).toThrow(/possessive/);
    expect(() => compileByteRegex('(?P<n>a)')).toThrow(/named groups/);
  });
});

describe('required literal sets', () => {
  it('keeps several sets that must all be present, and never rejects a real match', async () => {
    const { requiredLiteralSets } = await import('../../../../src/checks/waf/regex/prefilter.js');
    const sets = requiredLiteralSets(parseRegex('(?i)select\\s+\\w+\\s+from').node);
    const joined = sets.map((s) => s.join('|'));
    expect(joined).toContain('select');
    expect(joined).toContain('from');
    expect(joined).not.toContain('s'); // implied by "select": dropped
    const re = compileByteRegex('(?i)select\\s+\\w+\\s+from');
    expect(re.test('SELECT name FROM users')).toBe(true);
    expect(re.test('select only')).toBe(false);
    expect(re.test('x'.repeat(200) + ' select a from b')).toBe(true);
  });
});

describe('key selector matchers', () => {
  it('answers plain-word selectors exactly as the case-insensitive byte regex does', () => {
    const patterns = ['^header_name_920450_', '__utm', 'MULTIPART_HEADERS_CONTENT_TYPES_*', 'rfi_parameter_.*', '^_pk_ref', '^pbjs-\\w+$', 'a.b', 'token', '^key'];
    const keys = [
      'header_name_920450_host', 'HEADER_NAME_920450_X', 'x_header_name_920450_', 'header_name_92045', '__UTMz', 'a__utm',
      'multipart_headers_content_types', 'MULTIPART_HEADERS_CONTENT_TYPES_x', 'multipart_headers_content_type', 'rfi_parameter_',
      'RFI_PARAMETER_1', '_pk_ref.1', '_PK_REFx', 'pbjs-abc', 'axb', 'a.b', '\xc0__utm', '__\xdctm', '',
      // The Kelvin sign lower-cases to an ASCII k in JavaScript, but is no k to the byte regex.
      'to\u212aen', 'TOKEN', '\u212aey', 'KEY_1',
    ];
    for (const p of patterns) {
      const fast = compileKeyMatcher(p);
      const reference = compileByteRegex(`(?i)${p}`);
      for (const k of keys) expect(fast.test(k), `/${p}/ on "${k}"`).toBe(reference.test(k));
    }
  });
});
