/**
 * Decoding transformations on byte strings, with ModSecurity's lenient semantics: an invalid escape is kept as
 * it is, never an error; `%uHHHH`/`\uHHHH` keep the low byte (full-width ASCII mapped back to ASCII).
 */
import type { TransformFn } from '../engine/types.js';
import { ASCII } from './text.js';

function hv(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function hex2(s: string, i: number): number {
  const h = hv(s.charCodeAt(i));
  const l = hv(s.charCodeAt(i + 1));
  return h < 0 || l < 0 ? -1 : h * 16 + l;
}

function isHex(s: string, i: number, n: number): boolean {
  if (i + n > s.length) return false;
  for (let k = 0; k < n; k++) if (hv(s.charCodeAt(i + k)) < 0) return false;
  return true;
}

/** Low byte of a 16-bit escape; full-width ASCII (U+FF01..U+FF5E) maps back to ASCII. */
function unicodeByte(s: string, i: number): number {
  let c = hex2(s, i + 2);
  const high = s.slice(i, i + 2).toLowerCase();
  if (c > 0 && c < 0x5f && high === 'ff') c += 0x20;
  return c;
}

export const urlDecode: TransformFn = (s) => {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '+') { out += ' '; continue; }
    if (ch === '%' && isHex(s, i + 1, 2)) { out += String.fromCharCode(hex2(s, i + 1)); i += 2; continue; }
    out += ch;
  }
  return out;
};

export const urlDecodeUni: TransformFn = (s) => {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '+') { out += ' '; continue; }
    if (ch === '%') {
      const n = s[i + 1];
      if ((n === 'u' || n === 'U') && isHex(s, i + 2, 4)) {
        out += String.fromCharCode(unicodeByte(s, i + 2));
        i += 5;
        continue;
      }
      if (isHex(s, i + 1, 2)) { out += String.fromCharCode(hex2(s, i + 1)); i += 2; continue; }
    }
    out += ch;
  }
  return out;
};

const NAMED: Record<string, number> = { quot: 0x22, amp: 0x26, lt: 0x3c, gt: 0x3e, nbsp: 0xa0 };

export const htmlEntityDecode: TransformFn = (s) => {
  if (s.indexOf('&') < 0) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch !== '&' || i + 1 >= s.length) { out += ch; i++; continue; }
    if (s[i + 1] === '#') {
      let j = i + 2;
      const isHexForm = s[j] === 'x' || s[j] === 'X';
      if (isHexForm) j++;
      const start = j;
      while (j < s.length && (isHexForm ? hv(s.charCodeAt(j)) >= 0 : s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39)) j++;
      if (j > start) {
        // Leading zeros do not count; an overlong number saturates (C's strtol), then only the low byte is kept.
        const digits = s.slice(start, j).replace(/^0+(?=.)/, '');
        const v = digits.length > 8 ? 0xff : parseInt(digits, isHexForm ? 16 : 10);
        out += String.fromCharCode(v & 0xff);
        if (s[j] === ';') j++;
        i = j;
        continue;
      }
      out += ch;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < s.length && /[A-Za-z0-9]/.test(s[j]!)) j++;
    const name = s.slice(i + 1, j).toLowerCase();
    const code = NAMED[name];
    if (code !== undefined) {
      out += String.fromCharCode(code);
      if (s[j] === ';') j++;
      i = j;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
};

export const jsDecode: TransformFn = (s) => {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch !== '\\' || i + 1 >= s.length) { out += ch; continue; }
    const n = s[i + 1]!;
    if ((n === 'u' || n === 'U') && isHex(s, i + 2, 4)) { out += String.fromCharCode(unicodeByte(s, i + 2)); i += 5; continue; }
    if ((n === 'x' || n === 'X') && isHex(s, i + 2, 2)) { out += String.fromCharCode(hex2(s, i + 2)); i += 3; continue; }
    if (n >= '0' && n <= '7') {
      let j = i + 1;
      let digits = '';
      while (j < s.length && digits.length < 3 && s[j]! >= '0' && s[j]! <= '7') {
        if (digits.length === 2 && digits[0]! > '3') break;
        digits += s[j];
        j++;
      }
      out += String.fromCharCode(parseInt(digits, 8) & 0xff);
      i = j - 1;
      continue;
    }
    switch (n) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      default: out += n;
    }
    i++;
  }
  return out;
};

export const cssDecode: TransformFn = (s) => {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch !== '\\') { out += ch; i++; continue; }
    if (i + 1 >= s.length) { i++; continue; } // a lone trailing backslash is dropped
    let j = 0;
    while (j < 6 && i + 1 + j < s.length && hv(s.charCodeAt(i + 1 + j)) >= 0) j++;
    if (j > 0) {
      const digits = s.slice(i + 1, i + 1 + j);
      let c: number;
      if (j === 1) c = hv(digits.charCodeAt(0));
      else {
        c = parseInt(digits.slice(-2), 16);
        // Full-width ASCII (FF01-FF5E) maps back to ASCII.
        if (c > 0 && c < 0x5f && (j === 4 || j === 5 || j === 6) && /^0{0,2}ff..$/i.test(digits)) c += 0x20;
      }
      out += String.fromCharCode(c);
      i += 1 + j;
      // One whitespace after a hex escape belongs to the escape.
      if (i < s.length && /[ \t\n\r\f]/.test(s[i]!)) i++;
      continue;
    }
    if (s[i + 1] === '\n') { i += 2; continue; }
    out += s[i + 1];
    i += 2;
  }
  return out;
};

// The single-letter escapes of ANSI C, as ModSecurity's escapeSeqDecode reads them.
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '?': '?', "'": "'", '"': '"' };

export const escapeSeqDecode: TransformFn = (s) => {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch !== '\\' || i + 1 >= s.length) { out += ch; continue; }
    const n = s[i + 1]!;
    const simple = SIMPLE_ESCAPES[n];
    if (simple !== undefined) { out += simple; i++; continue; }
    if ((n === 'x' || n === 'X') && isHex(s, i + 2, 2)) { out += String.fromCharCode(hex2(s, i + 2)); i += 3; continue; }
    if (n >= '0' && n <= '7') {
      let j = i + 1;
      let digits = '';
      while (j < s.length && digits.length < 3 && s[j]! >= '0' && s[j]! <= '7') { digits += s[j]; j++; }
      out += String.fromCharCode(parseInt(digits, 8) & 0xff);
      i = j - 1;
      continue;
    }
    out += ch;
  }
  return out;
};

const B64 = /^[A-Za-z0-9+/]*={0,2}/;

const B64_DIGITS = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_DIGITS['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/**
 * Decodes base64 digits (`valid` holds only digits, then at most two `=`) as Buffer does: 6 bits per digit, a
 * trailing lone digit dropped. Short values (most of them: CRS decodes every argument) are decoded here, which
 * costs far less than allocating a Buffer for each.
 */
function decodeDigits(valid: string): string {
  if (valid.length > 96) return Buffer.from(valid, 'base64').toString('latin1');
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < valid.length; i++) {
    const c = valid.charCodeAt(i);
    if (c === 0x3d) break;
    acc = ((acc << 6) | B64_DIGITS[c]!) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((acc >>> bits) & 0xff);
    }
  }
  return out;
}

export const base64Decode: TransformFn = (s) => {
  const m = B64.exec(s);
  return decodeDigits(m ? m[0] : '');
};

const NOT_B64 = /[^A-Za-z0-9+/]/g;

export const base64DecodeExt: TransformFn = (s) => decodeDigits(s.replace(NOT_B64, ''));

export const base64Encode: TransformFn = (s) => Buffer.from(s, 'latin1').toString('base64');

export const hexDecode: TransformFn = (s) => {
  let out = '';
  for (let i = 0; i + 1 < s.length; i += 2) {
    const v = hex2(s, i);
    if (v < 0) return out;
    out += String.fromCharCode(v);
  }
  return out;
};

export const sqlHexDecode: TransformFn = (s) =>
  s.replace(/0x((?:[0-9a-fA-F]{2})+)/g, (_m, hex: string) => {
    let out = '';
    for (let i = 0; i < hex.length; i += 2) out += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
    return out;
  });

export const urlEncode: TransformFn = (s) => {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20) out += '+';
    else if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2a || c === 0x2d || c === 0x2e || c === 0x5f) out += s[i];
    else out += '%' + c.toString(16).padStart(2, '0');
  }
  return out;
};

/** Byte k of s is a UTF-8 continuation byte (a top-level function: a closure over s would cost a context per call). */
function isCont(s: string, k: number): boolean {
  return k < s.length && (s.charCodeAt(k) & 0xc0) === 0x80;
}

/** UTF-8 sequences become `%uHHHH` (lower-case hex); invalid sequences stay as bytes. */
export const utf8toUnicode: TransformFn = (s) => {
  if (ASCII.test(s)) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    let cp = -1;
    let len = 1;
    if (c >= 0xc2 && c <= 0xdf && isCont(s, i + 1)) { cp = ((c & 0x1f) << 6) | (s.charCodeAt(i + 1) & 0x3f); len = 2; }
    else if (c >= 0xe0 && c <= 0xef && isCont(s, i + 1) && isCont(s, i + 2)) {
      cp = ((c & 0x0f) << 12) | ((s.charCodeAt(i + 1) & 0x3f) << 6) | (s.charCodeAt(i + 2) & 0x3f);
      len = 3;
      if (cp < 0x800) cp = -1;
    } else if (c >= 0xf0 && c <= 0xf4 && isCont(s, i + 1) && isCont(s, i + 2) && isCont(s, i + 3)) {
      cp = ((c & 0x07) << 18) | ((s.charCodeAt(i + 1) & 0x3f) << 12) | ((s.charCodeAt(i + 2) & 0x3f) << 6) | (s.charCodeAt(i + 3) & 0x3f);
      len = 4;
      if (cp < 0x10000 || cp > 0x10ffff) cp = -1;
    }
    if (cp >= 0) { out += '%u' + cp.toString(16).padStart(4, '0'); i += len; }
    else { out += s[i]; i++; }
  }
  return out;
};
