/**
 * Path normalization transformations: collapse `//`, drop `./`, resolve `dir/../` (ModSecurity's
 * normalise_path); `normalizePathWin` first turns backslashes into slashes.
 */
import type { TransformFn } from '../engine/types.js';

export const normalizePath: TransformFn = (s) => {
  if (s.indexOf('/') < 0 && s.indexOf('.') < 0) return s;
  const absolute = s.startsWith('/');
  const trailing = /\/\.{0,2}$/.test(s) && s.length > 1;
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

export const normalizePathWin: TransformFn = (s) => normalizePath(s.replace(/\\/g, '/'));
