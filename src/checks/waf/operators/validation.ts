/**
 * Validation operators: they match (report a violation) when the input is NOT valid:
 * `@validateByteRange`, `@validateUrlEncoding`, `@validateUtf8Encoding`.
 */
import type { OperatorFactory } from './types.js';

export const validateByteRange: OperatorFactory = (arg) => {
  const allowed = new Uint8Array(256);
  for (const part of arg.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) return `bad byte range "${part}"`;
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    if (lo > 255 || hi > 255 || hi < lo) return `bad byte range "${part}"`;
    for (let c = lo; c <= hi; c++) allowed[c] = 1;
  }
  return (_tx, input) => {
    for (let i = 0; i < input.length; i++) if (!allowed[input.charCodeAt(i) & 0xff]) return true;
    return false;
  };
};

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

export const validateUrlEncoding: OperatorFactory = () => (_tx, input) => {
  for (let i = 0; i < input.length; i++) {
    if (input.charCodeAt(i) !== 0x25) continue;
    if (i + 2 >= input.length) return true;
    if (!isHex(input.charCodeAt(i + 1)) || !isHex(input.charCodeAt(i + 2))) return true;
    i += 2;
  }
  return false;
};

/** True when the bytes are not well-formed UTF-8 (overlongs, surrogates, truncation, > U+10FFFF). */
export function invalidUtf8(s: string): boolean {
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 0x80) { i++; continue; }
    let need: number;
    let min: number;
    let cp: number;
    if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; cp = c & 0x07; }
    else return true;
    if (i + need >= n) return true;
    for (let k = 1; k <= need; k++) {
      const d = s.charCodeAt(i + k);
      if ((d & 0xc0) !== 0x80) return true;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return true;
    i += need + 1;
  }
  return false;
}

export const validateUtf8Encoding: OperatorFactory = () => (_tx, input) => invalidUtf8(input);
