/**
 * Case, whitespace and NUL transformations. Case folding is ASCII-only (C locale), as ModSecurity's tolower.
 */
import type { TransformFn } from '../engine/types.js';

export const lowercase: TransformFn = (s) => {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase();
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
};

export const uppercase: TransformFn = (s) => {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s.toUpperCase();
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
};

// C isspace() plus NBSP (0xA0), which ModSecurity also treats as whitespace here.
const WS_RUN = /[\t\n\v\f\r \xa0]+/g;
const WS_ANY = /[\t\n\v\f\r \xa0]/;

export const compressWhitespace: TransformFn = (s) => (WS_ANY.test(s) ? s.replace(WS_RUN, ' ') : s);
export const removeWhitespace: TransformFn = (s) => (WS_ANY.test(s) ? s.replace(WS_RUN, '') : s);
export const trimLeft: TransformFn = (s) => s.replace(/^[\t\n\v\f\r ]+/, '');
export const trimRight: TransformFn = (s) => s.replace(/[\t\n\v\f\r ]+$/, '');
export const trim: TransformFn = (s) => trimRight(trimLeft(s));
export const removeNulls: TransformFn = (s) => (s.indexOf('\0') < 0 ? s : s.replace(/\0/g, ''));
export const replaceNulls: TransformFn = (s) => (s.indexOf('\0') < 0 ? s : s.replace(/\0/g, ' '));
