import { describe, expect, it } from 'vitest';
import { detectXSS, isScriptUrl } from '../../../../../src/checks/waf/detect/xss.js';
import { corpus } from './corpus.js';
import { crsCases } from './crs-cases.js';

describe('detectXSS on the corpus', () => {
  it.each(corpus('xss-attacks.txt'))('detects %s', (payload) => {
    expect(detectXSS(payload)).toBe(true);
  });

  it.each(corpus('xss-benign.txt'))('passes %s', (value) => {
    expect(detectXSS(value)).toBe(false);
  });
});

describe('detectXSS judged by CRS regression tests', () => {
  // 941100: ARGS, ARGS_NAMES, XML, cookies, User-Agent (not Referer); 941101: REQUEST_FILENAME and Referer.
  const cases = [...crsCases(941100, { args: true }), ...crsCases(941101, { filename: true, referer: true })];

  it('has the CRS cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(9);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    expect(c.values.some((v) => detectXSS(v))).toBe(c.expect);
  });
});

describe('detectXSS details', () => {
  it('recognizes script URLs the way browsers read them', () => {
    const url = (s: string): boolean => isScriptUrl(s, 0, s.length);
    expect(url('\x01 java\tscr\nipt:alert(1)')).toBe(true);
    expect(url('JAVASCRIPT:void(0)')).toBe(true);
    expect(url('data:,alert(1)')).toBe(true);
    expect(url('data:image/png;base64,iVBORw0KGgo=')).toBe(false);
    expect(url('https://example.com/javascript:alert(1)')).toBe(false);
    expect(url('javascript')).toBe(false);
  });

  it('reads unclosed tags and slash-separated attributes', () => {
    expect(detectXSS('<img/src="x"/onerror=alert(1)')).toBe(true);
    // An unquoted value runs to whitespace: the browser reads src="x/onerror=alert(1)".
    expect(detectXSS('<img/src=x/onerror=alert(1)>')).toBe(false);
    expect(detectXSS('<a\nhref\n=\njavascript:alert(1)>')).toBe(true);
    expect(detectXSS('<img src=x')).toBe(false);
  });

  it('handles empty, NUL and binary input', () => {
    expect(detectXSS('')).toBe(false);
    expect(detectXSS('\x00<\x00script')).toBe(false);
    expect(detectXSS('\xff\xfe<\xc3\xa9>')).toBe(false);
  });

  it('is linear: 64 KiB hostile inputs take milliseconds, not seconds', () => {
    const inputs = [
      '<'.repeat(65536),
      '<a '.repeat(21000),
      '<a x="'.repeat(10000),
      '"'.repeat(65536),
      "<a b='".repeat(10000),
      ' '.repeat(65535) + 'x',
      '<a ' + 'x=1 '.repeat(16000),
      '<a' + ' on'.repeat(20000),
    ];
    for (const s of inputs) {
      detectXSS(s); // warm-up: the bound is for steady state, not for the JIT
      const t0 = performance.now();
      detectXSS(s);
      expect(performance.now() - t0, s.slice(0, 12)).toBeLessThan(250);
    }
  });
});
