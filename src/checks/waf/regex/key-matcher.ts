/**
 * Matchers for `VAR:/regex/` selectors, which ModSecurity applies case-insensitively to every key of the
 * collection on every evaluation. Most selectors are a plain word, optionally anchored at the start
 * (`TX:/^header_name_920450_/`, `!REQUEST_COOKIES:/__utm/`); those are answered by an ASCII case-insensitive
 * prefix or substring test instead of a regex run per key. Anything else is a byte regex.
 */
import { compileByteRegex } from './byte-regex.js';

export interface KeyTest {
  test(key: string): boolean;
}

/** A word with an optional `^`, and trailing `.*` or `c*` parts that cannot decide whether a key matches. */
const SIMPLE = /^(\^?)([A-Za-z0-9_-]+?)(?:\.\*|[A-Za-z0-9_-]\*)*$/;

function startsWithFolded(key: string, lowerWord: string): boolean {
  if (key.length < lowerWord.length) return false;
  for (let i = 0; i < lowerWord.length; i++) {
    let c = key.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lowerWord.charCodeAt(i)) return false;
  }
  return true;
}

export function compileKeyMatcher(pattern: string): KeyTest {
  const m = SIMPLE.exec(pattern);
  if (m) {
    const word = m[2]!.toLowerCase();
    // toLowerCase also folds Latin-1 letters, but never into ASCII, so an ASCII word matches as it would in
    // an ASCII-only case-insensitive regex.
    return m[1] ? { test: (key) => startsWithFolded(key, word) } : { test: (key) => key.toLowerCase().includes(word) };
  }
  return compileByteRegex(`(?i)${pattern}`);
}
