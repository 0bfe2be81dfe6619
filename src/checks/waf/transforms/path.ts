/**
 * Path normalization transformations: collapse `//`, drop `./`, resolve `dir/../` (ModSecurity's
 * normalise_path); `normalizePathWin` first turns backslashes into slashes.
 */
import type { TransformFn } from '../engine/types.js';

const TRAILING = /\/\.{0,2}$/;
/** A `.` or `..` segment. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

export const normalizePath: TransformFn = (s) => {
  if (s.indexOf('/') < 0 && s.indexOf('.') < 0) return s;
  // No empty segment (but a leading or trailing one) and no dot segment: nothing to normalise.
  if (s.indexOf('//') < 0 && !DOT_SEGMENT.test(s)) return s;
  const absolute = s.startsWith('/');
  const trailing = TRAILING.test(s) && s.length > 1;
  const parts = s.split('/');
  const stack: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (stack.length > 0 && stack[stack.length - 1] !== '..') stack.pop();
      else if (!absolute) stack.push('..');
      continue;
    }
    stack.push(p);
  }
  let out = (absolute ? '/' : '') + stack.join('/');
  if (trailing && stack.length > 0) out += '/';
  return out;
};

const BACKSLASHES = /\\/g;

export const normalizePathWin: TransformFn = (s) => normalizePath(s.replace(BACKSLASHES, '/'));
