import { describe, expect, it } from 'vitest';
import { SchemaCompiler, type Dialect } from '../../../../src/checks/request-schema/schema-compiler.js';
import { codePointLength } from '../../../../src/checks/request-schema/string-length.js';

const smile = '\u{1F600}'; // one code point, two UTF-16 units
const loneHigh = '\ud83d';

describe('string length keywords', () => {
  it('counts code points: surrogate pairs once, lone surrogates once each', () => {
    expect(codePointLength('')).toBe(0);
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength(smile.repeat(3))).toBe(3);
    expect(codePointLength(`a${smile}b`)).toBe(3);
    expect(codePointLength(loneHigh + loneHigh)).toBe(2);
    expect(codePointLength(`${loneHigh}a`)).toBe(2);
  });

  for (const dialect of ['draft-07', '2019-09', '2020-12'] as Dialect[]) {
    it(`${dialect}: maxLength and minLength bound code points, decided by length where it can`, () => {
      const compiler = new SchemaCompiler(new Map(), { warn: () => {} });
      const max = compiler.compile({ type: 'string', maxLength: 3 }, dialect, false);
      expect(max('abc')).toBe(true);
      expect(max('abcd')).toBe(false);
      expect(max(smile.repeat(3))).toBe(true); // six units, three code points
      expect(max(smile.repeat(4))).toBe(false);
      expect(max.errors?.[0]?.message).toBe('must NOT have more than 3 characters');
      expect(max.errors?.[0]?.params).toEqual({ limit: 3 });

      const min = compiler.compile({ type: 'string', minLength: 2 }, dialect, false);
      expect(min('ab')).toBe(true);
      expect(min('a')).toBe(false);
      expect(min(smile)).toBe(false); // two units, one code point
      expect(min.errors?.[0]?.message).toBe('must NOT have fewer than 2 characters');
      expect(min(smile.repeat(2))).toBe(true);
      expect(min(`${smile}a`)).toBe(true);

      // Other types pass untouched, as the keywords apply to strings only.
      const untyped = compiler.compile({ maxLength: 3 }, dialect, false);
      expect(untyped(12345)).toBe(true);
      expect(untyped('abcd')).toBe(false);
      const long = compiler.compile({ type: 'object', properties: { bio: { type: 'string', maxLength: 2000 } } }, dialect, false);
      expect(long({ bio: 'x'.repeat(2000) })).toBe(true);
      expect(long({ bio: 'x'.repeat(2001) })).toBe(false);
      expect(long({ bio: smile.repeat(2000) })).toBe(true);
      expect(long({ bio: smile.repeat(2001) })).toBe(false);
    });
  }
});
