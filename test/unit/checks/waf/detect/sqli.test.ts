import { describe, expect, it } from 'vitest';
import { detectSQLi } from '../../../../../src/checks/waf/detect/sqli.js';
import { corpus } from './corpus.js';
import { crsCases } from './crs-cases.js';

describe('detectSQLi on the corpus', () => {
  it.each(corpus('sqli-attacks.txt'))('detects %s', (payload) => {
    const r = detectSQLi(payload);
    expect(r.match).toBe(true);
    expect(r.fingerprint).toMatch(/^[s1nvkU&of(),;.cX?]+$/);
  });

  it.each(corpus('sqli-benign.txt'))('passes %s', (value) => {
    expect(detectSQLi(value)).toEqual({ match: false });
  });
});

describe('detectSQLi judged by CRS regression tests', () => {
  // 942100: ARGS, ARGS_NAMES, XML, cookies, User-Agent, Referer; 942101: REQUEST_FILENAME and REQUEST_BASENAME.
  const cases = [...crsCases(942100, { args: true, referer: true }), ...crsCases(942101, { filename: true })];

  it('has the CRS cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    expect(c.values.some((v) => detectSQLi(v).match)).toBe(c.expect);
  });
});

describe('detectSQLi edge cases', () => {
  it('judges the three places a value can land', () => {
    expect(detectSQLi('5 or 1=1').fingerprint).toBe('1&1o1');
    expect(detectSQLi("x' or 1=1").fingerprint).toBe('s&1o1');
    expect(detectSQLi('x" or 1=1').fingerprint).toBe('s&1o1');
  });

  it('needs the value to break out where it lands', () => {
    // Quoted SQL that never leaves its string is just text.
    expect(detectSQLi("'or 1=1").match).toBe(true);
    expect(detectSQLi("ab'' or 1=1").match).toBe(false);
    // A path is not an expression: it cannot start with '/'.
    expect(detectSQLi('/path/24 union all select 1 from t').match).toBe(false);
    // ...but `path/24` can be one (a division), and X'' is an empty hex literal.
    expect(detectSQLi('path/24 union all select 1 from t').match).toBe(true);
    expect(detectSQLi("x'' or 1=1").match).toBe(true);
    expect(detectSQLi("9'union all").match).toBe(false);
  });

  it('handles empty, NUL, binary and non-ASCII input', () => {
    expect(detectSQLi('')).toEqual({ match: false });
    expect(detectSQLi('\x00\x01\xff\xfe')).toEqual({ match: false });
    expect(detectSQLi('caf\xc3\xa9 cr\xc3\xa8me').match).toBe(false);
    expect(detectSQLi("\xc3\xa9' or 1=1--").match).toBe(true);
  });

  it('is linear: 64 KiB hostile inputs take milliseconds, not seconds', () => {
    const inputs = [
      "'".repeat(65536),
      '/*'.repeat(32768),
      '('.repeat(65536),
      ' '.repeat(65535) + 'x',
      "1' or ".repeat(10000),
      'a'.repeat(65536),
      '@'.repeat(65536),
      '\\'.repeat(65536),
      '"'.repeat(65536),
      'select '.repeat(9000),
      '1/**/'.repeat(13000),
    ];
    for (const s of inputs) {
      detectSQLi(s); // warm-up: the bound is for steady state, not for the JIT
      const t0 = performance.now();
      detectSQLi(s);
      expect(performance.now() - t0, s.slice(0, 12)).toBeLessThan(250);
    }
  });
});
