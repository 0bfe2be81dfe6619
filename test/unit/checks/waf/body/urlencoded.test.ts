import { describe, expect, it } from 'vitest';
import { parseUrlEncoded, urlDecodeForm } from '../../../../../src/checks/waf/body/urlencoded.js';

describe('parseUrlEncoded', () => {
  it('splits on & and the first =, decoding names and values', () => {
    expect(parseUrlEncoded('a=1&b%20c=x%3Dy=z&d+e=f+g').args).toEqual([
      ['a', '1'],
      ['b c', 'x=y=z'],
      ['d e', 'f g'],
    ]);
  });

  it('keeps a pair without = as a name with an empty value, skips empty pairs, keeps empty names', () => {
    expect(parseUrlEncoded('flag&&=v&x=').args).toEqual([
      ['flag', ''],
      ['', 'v'],
      ['x', ''],
    ]);
  });

  it('leaves invalid escapes as they are and decodes to bytes', () => {
    expect(parseUrlEncoded('a=%zz%4&b=%C3%A9%00').args).toEqual([
      ['a', '%zz%4'],
      ['b', '\xc3\xa9\x00'],
    ]);
    expect(urlDecodeForm('100%')).toBe('100%');
    expect(urlDecodeForm('%2')).toBe('%2');
  });

  it('keeps argument order and duplicates', () => {
    expect(parseUrlEncoded('a=1&a=2').args).toEqual([
      ['a', '1'],
      ['a', '2'],
    ]);
  });

  it('stops at maxArgs with an error', () => {
    const r = parseUrlEncoded('a=1&b=2&c=3', { maxArgs: 2 });
    expect(r.args).toHaveLength(2);
    expect(r.error).toMatch(/too many arguments/);
  });

  it('is linear on a large hostile body', () => {
    const body = '%'.repeat(65_536) + '&' + '+'.repeat(65_536) + '&='.repeat(32_768) + 'a'.repeat(65_536);
    parseUrlEncoded(body); // warm-up: the bound is for steady state, not for the JIT
    const t0 = performance.now();
    const r = parseUrlEncoded(body);
    // Generous on a loaded machine; a quadratic parser would take minutes here.
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.args[0]?.[0]).toHaveLength(65_536);
    expect(r.args[1]?.[0]).toBe(' '.repeat(65_536));
  });
});
