/**
 * Hostile-input fuzzing of the body processors and detectors: random byte strings built from the characters
 * each grammar cares about must never throw, and results keep their shape. Seeded, so failures reproduce.
 */
import { describe, expect, it } from 'vitest';
import { parseJsonArgs } from '../../../../../src/checks/waf/body/json.js';
import { parseMultipart } from '../../../../../src/checks/waf/body/multipart.js';
import { parseUrlEncoded } from '../../../../../src/checks/waf/body/urlencoded.js';
import { parseXml } from '../../../../../src/checks/waf/body/xml.js';
import { detectSQLi } from '../../../../../src/checks/waf/detect/sqli.js';
import { detectXSS } from '../../../../../src/checks/waf/detect/xss.js';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function fuzz(seed: number, alphabet: string[], count: number, maxLen: number): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    let s = '';
    const len = Math.floor(r() * maxLen);
    while (s.length < len) s += r() < 0.1 ? String.fromCharCode(Math.floor(r() * 256)) : alphabet[Math.floor(r() * alphabet.length)];
    out.push(s);
  }
  return out;
}

const JSON_ALPHA = ['{', '}', '[', ']', '"', ':', ',', '\\', 'u', '0', '1', 'e', '-', '.', 'true', 'null', ' ', 'a', '\\u00', '\\ud83d'];
const XML_ALPHA = ['<', '>', '/', '=', '"', "'", 'a', 'b:c', ' ', '&', ';', '#', 'x', '&lt;', '&#x', '<!--', '-->', '<![CDATA[', ']]>', '<?', '?>', '<!DOCTYPE', '[', ']'];
const MP_ALPHA = ['--b', '\r\n', '\n', 'Content-Disposition: form-data; name="', 'filename="', '"', ';', ':', ' ', 'x', '\t', '--'];
const SQL_ALPHA = ["'", '"', '`', '(', ')', ',', ';', '--', '#', '/*', '*/', '/*!', ' ', 'or', 'and', 'union', 'select', 'sleep', '1', '=', '@', '@@', '$$', '\\', 'x', '0x', '||', 'not', '[', ']'];
const HTML_ALPHA = ['<', '>', '/', '=', '"', "'", '`', ' ', 'script', 'svg', 'a', 'href', 'onload', 'javascript:', 'style', 'expression(', '\t', '!', '?', ':', 'x'];

describe('hostile input never throws', () => {
  it('JSON', () => {
    for (const s of fuzz(1, JSON_ALPHA, 3000, 200)) {
      const r = parseJsonArgs(s, { maxDepth: 20, maxArgs: 50 });
      expect(Array.isArray(r.args)).toBe(true);
      expect(r.args.length).toBeLessThanOrEqual(50);
    }
  });

  it('XML', () => {
    for (const s of fuzz(2, XML_ALPHA, 3000, 200)) {
      const r = parseXml(s, { maxDepth: 20, maxItems: 50 });
      expect(r.texts.length + r.attributes.length).toBeLessThanOrEqual(50);
    }
  });

  it('multipart and urlencoded', () => {
    for (const s of fuzz(3, MP_ALPHA, 3000, 300)) {
      const r = parseMultipart(s, 'multipart/form-data; boundary=b', { maxParts: 20 });
      expect(typeof r.strictError).toBe('boolean');
      expect(r.error === undefined || r.strictError).toBe(true);
      expect(Array.isArray(parseUrlEncoded(s).args)).toBe(true);
    }
  });

  it('detectors', () => {
    for (const s of fuzz(4, SQL_ALPHA, 3000, 120)) {
      const r = detectSQLi(s);
      expect(typeof r.match).toBe('boolean');
      if (r.match) expect(r.fingerprint).toBeTruthy();
    }
    for (const s of fuzz(5, HTML_ALPHA, 3000, 120)) expect(typeof detectXSS(s)).toBe('boolean');
  });
});
