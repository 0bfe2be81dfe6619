/**
 * Case, whitespace and NUL transformations. Case folding is ASCII-only (C locale), as ModSecurity's tolower.
 */
import type { TransformFn } from '../engine/types.js';

// Regexes are module constants: a regex literal in a function body is a new RegExp object per call.
/** Only ASCII characters (a string whose bytes are its characters). */
// eslint-disable-next-line no-control-regex
export const ASCII = /^[\x00-\x7f]*$/;
const UPPER_RUN = /[A-Z]+/g;
const LOWER_RUN = /[a-z]+/g;
const LEADING_WS = /^[\t\n\v\f\r ]+/;
const TRAILING_WS = /[\t\n\v\f\r ]+$/;
const NULS = /\0/g;

export const lowercase: TransformFn = (s) => {
  if (ASCII.test(s)) return s.toLowerCase();
  return s.replace(UPPER_RUN, (m) => m.toLowerCase());
};

export const uppercase: TransformFn = (s) => {
  if (ASCII.test(s)) return s.toUpperCase();
  return s.replace(LOWER_RUN, (m) => m.toUpperCase());
};

// C isspace() plus NBSP (0xA0), which ModSecurity also treats as whitespace here.
const WS_RUN = /[\t\n\v\f\r \xa0]+/g;
const WS_ANY = /[\t\n\v\f\r \xa0]/;

export const compressWhitespace: TransformFn = (s) => (WS_ANY.test(s) ? s.replace(WS_RUN, ' ') : s);
export const removeWhitespace: TransformFn = (s) => (WS_ANY.test(s) ? s.replace(WS_RUN, '') : s);
export const trimLeft: TransformFn = (s) => s.replace(LEADING_WS, '');
export const trimRight: TransformFn = (s) => s.replace(TRAILING_WS, '');
export const trim: TransformFn = (s) => trimRight(trimLeft(s));
export const removeNulls: TransformFn = (s) => (s.indexOf('\0') < 0 ? s : s.replace(NULS, ''));
export const replaceNulls: TransformFn = (s) => (s.indexOf('\0') < 0 ? s : s.replace(NULS, ' '));
