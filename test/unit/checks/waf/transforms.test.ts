import { describe, expect, it } from 'vitest';
import { lookupTransform } from '../../../../src/checks/waf/transforms/index.js';

const t = (name: string, input: string) => lookupTransform(name)!(input);

describe('transformations', () => {
  it('urlDecodeUni: %XX, %uHHHH (low byte, full-width ASCII), +, invalid escapes kept', () => {
    expect(t('urlDecodeUni', 'a%20b+c%u0041%uff1c%zz%')).toBe('a b cA<%zz%');
  });
  it('htmlEntityDecode: numeric, hex, named, missing semicolons', () => {
    expect(t('htmlEntityDecode', '&#60;&#x3c;&lt;&QUOT;&amp&nbsp;&unknown;')).toBe('<<<"&\xa0&unknown;');
  });
  it('jsDecode and escapeSeqDecode', () => {
    expect(t('jsDecode', '\\x3cscript\\u003e\\101\\n\\q')).toBe('<script>A\nq');
    expect(t('escapeSeqDecode', '\\x41\\102\\t\\q')).toBe('AB\t\\q');
  });
  it('cssDecode: hex escapes with one optional space, escaped newline removed', () => {
    expect(t('cssDecode', 'j\\61 vascript\\3a\\\nx\\z')).toBe('javascript:xz');
  });
  it('lowercase is ASCII only; whitespace and NUL handling', () => {
    expect(t('lowercase', 'ABC\xc9')).toBe('abc\xc9');
    expect(t('compressWhitespace', 'a \t\n\xa0b')).toBe('a b');
    expect(t('removeWhitespace', 'a b\tc')).toBe('abc');
    expect(t('removeNulls', 'a\0b')).toBe('ab');
  });
  it('cmdLine, replaceComments, removeCommentsChar', () => {
    expect(t('cmdLine', 'C^a"t ,  /ETC\\passwd (x')).toBe('cat/etcpasswd(x');
    expect(t('replaceComments', 'a/*x*/b/*')).toBe('a b ');
    expect(t('removeCommentsChar', 'a/*b*/c--d#e')).toBe('abcde');
  });
  it('normalizePath and normalizePathWin', () => {
    expect(t('normalizePath', '/a//b/./c/../d')).toBe('/a/b/d');
    expect(t('normalizePath', '/../../etc/passwd')).toBe('/etc/passwd');
    expect(t('normalizePathWin', '\\a\\..\\b\\')).toBe('/b/');
  });
  it('utf8toUnicode, base64Decode, hexEncode, sha1, length', () => {
    expect(t('utf8toUnicode', 'a\xc3\xa9\xff')).toBe('a%u00e9\xff');
    expect(t('base64Decode', 'aGVsbG8=!junk')).toBe('hello');
    expect(t('hexEncode', 'AB')).toBe('4142');
    expect(t('hexEncode', t('sha1', 'abc'))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(t('length', 'abcd')).toBe('4');
  });
  it('base64Decode and base64DecodeExt decode as Buffer does, short values included', () => {
    const viaBuffer = (digits: string): string => Buffer.from(digits, 'base64').toString('latin1');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const samples = ['', 'a', 'ab', 'abc', 'abcd', 'ab=', 'ab==', 'abc=', 'a=b', 'YQ==YQ==', 'name', '/api/users/3', 'dGVzdA', 'a-b_c d%', '\xff\x00ab'];
    let seed = 7;
    const next = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let i = 0; i < 2000; i++) {
      let s = '';
      for (let n = next(120); n > 0; n--) s += next(10) === 0 ? '=-% \xff'[next(5)] : alphabet[next(64)];
      samples.push(s);
    }
    for (const s of samples) {
      expect(t('base64Decode', s)).toBe(viaBuffer(/^[A-Za-z0-9+/]*={0,2}/.exec(s)![0]));
      expect(t('base64DecodeExt', s)).toBe(viaBuffer(s.replace(/[^A-Za-z0-9+/]/g, '')));
    }
  });
  it('never throws on hostile bytes', () => {
    const hostile = '%u12%%\\u\\x\\\0\xff\xfe&#xffffffffff;&#;' + '\\'.repeat(100);
    for (const name of ['urlDecodeUni', 'urlDecode', 'htmlEntityDecode', 'jsDecode', 'cssDecode', 'escapeSeqDecode', 'utf8toUnicode', 'base64Decode', 'normalizePathWin', 'cmdLine', 'replaceComments']) {
      const out = t(name, hostile);
      expect(typeof out).toBe('string');
      expect([...out].every((c) => c.charCodeAt(0) <= 0xff)).toBe(true);
    }
  });
});
