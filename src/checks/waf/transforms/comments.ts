/**
 * Comment and command-line transformations (`replaceComments`, `removeComments`, `removeCommentsChar`,
 * `cmdLine`), as ModSecurity defines them.
 */
import type { TransformFn } from '../engine/types.js';

export const replaceComments: TransformFn = (s) => {
  if (s.indexOf('/*') < 0) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (s[i] === '/' && s[i + 1] === '*') {
      const end = s.indexOf('*/', i + 2);
      out += ' ';
      if (end < 0) return out;
      i = end + 2;
      continue;
    }
    out += s[i];
    i++;
  }
  return out;
};

export const removeComments: TransformFn = (s) => {
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (s[i] === '/' && s[i + 1] === '*') {
      const end = s.indexOf('*/', i + 2);
      if (end < 0) return out;
      i = end + 2;
      continue;
    }
    if (s.startsWith('<!--', i)) {
      const end = s.indexOf('-->', i + 4);
      if (end < 0) return out;
      i = end + 3;
      continue;
    }
    if ((s[i] === '-' && s[i + 1] === '-') || s[i] === '#') return out;
    out += s[i];
    i++;
  }
  return out;
};

export const removeCommentsChar: TransformFn = (s) => s.replace(/\/\*|\*\/|<!--|-->|--|#/g, '');

/** A byte cmdLine changes or drops; without any, it returns its input. */
const CMDLINE_EDITS = /["'\\^ ,;\t\r\nA-Z]/;

export const cmdLine: TransformFn = (s) => {
  if (!CMDLINE_EDITS.test(s)) return s;
  let out = '';
  let space = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    switch (ch) {
      case '"': case "'": case '\\': case '^':
        break;
      case ' ': case ',': case ';': case '\t': case '\r': case '\n':
        if (!space) { out += ' '; space = true; }
        break;
      case '/': case '(':
        if (space) out = out.slice(0, -1);
        space = false;
        out += ch;
        break;
      default: {
        const c = ch.charCodeAt(0);
        out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 32) : ch;
        space = false;
      }
    }
  }
  return out;
};
