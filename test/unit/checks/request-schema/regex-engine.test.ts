import { describe, expect, it } from 'vitest';
import { analysePattern, schemaRegExpEngine } from '../../../../src/checks/request-schema/regex-engine.js';

describe('schema pattern engine', () => {
  it('classifies nested quantifiers and quantified alternations as unsafe for backtracking', () => {
    for (const p of ['(a+)+$', '^(a|aa)*$', '([a-z]+\\.)+[a-z]{2,}', '(?:x*y)*', '^((ab)*c)+$']) {
      expect(analysePattern(p).backtrackSafe, p).toBe(false);
    }
    for (const p of ['^[a-z]+$', '^(\\+|00)[0-9]+$', '^[+][0-9 ]{6,20}$', 'abc', '^(ab)+$', '[(]a+[)]+', '\\(a+\\)+']) {
      expect(analysePattern(p).backtrackSafe, p).toBe(true);
    }
  });

  it('bounds the input length V8 runs by the worst-case polynomial', () => {
    expect(analysePattern('^[a-z]*$').degree).toBe(1);
    expect(analysePattern('[0-9]{3}').degree).toBe(2);
    expect(analysePattern('^(\\+|00)[0-9]+$').degree).toBe(1);
    expect(analysePattern('^a|b*$').degree).toBe(2);
    expect(analysePattern('^abc$').maxNativeLength).toBe(Number.MAX_SAFE_INTEGER);
    expect(analysePattern('^\\d*\\d*\\d*x$').maxNativeLength).toBeLessThan(100);
    expect(analysePattern('(a+)+$').maxNativeLength).toBe(-1);
  });

  it('answers like the pattern says on both engines', () => {
    const re = schemaRegExpEngine('^[a-z]+@[a-z]+$', 'u');
    expect(re.test('ann@example')).toBe(true);
    expect(re.test('ann@@example')).toBe(false);
    const long = 'a'.repeat(300_000);
    expect(re.test(`${long}@b`)).toBe(true);
    expect(re.test(`${long}@`)).toBe(false);
    expect(schemaRegExpEngine('^\\p{L}+$', 'u').test('åse')).toBe(true);
  });

  it('catastrophic patterns answer in linear time', () => {
    for (const p of ['^(a+)+$', '^(a|aa)+$', '^(\\w+\\s?)*$']) {
      const re = schemaRegExpEngine(p, 'u');
      const t0 = performance.now();
      expect(re.test('a'.repeat(40) + '!')).toBe(false);
      expect(performance.now() - t0).toBeLessThan(100);
    }
    const poly = schemaRegExpEngine('\\d*\\d*\\d*x', 'u');
    const t0 = performance.now();
    expect(poly.test('1'.repeat(5000))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('refuses what RE2 cannot run', () => {
    expect(() => schemaRegExpEngine('^(?=.*\\d).+$', 'u')).toThrow(/linear-time/);
    expect(() => schemaRegExpEngine('(a)\\1', 'u')).toThrow(/linear-time/);
  });
});
