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

/** True when `lowerWord` occurs in `key` at `at`, folding ASCII letters only (as the byte regex would). */
function foldedAt(key: string, lowerWord: string, at: number): boolean {
  for (let i = 0; i < lowerWord.length; i++) {
    let c = key.charCodeAt(at + i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lowerWord.charCodeAt(i)) return false;
  }
  return true;
}

function startsWithFolded(key: string, lowerWord: string): boolean {
  return key.length >= lowerWord.length && foldedAt(key, lowerWord, 0);
}

function includesFolded(key: string, lowerWord: string): boolean {
  for (let at = 0; at + lowerWord.length <= key.length; at++) if (foldedAt(key, lowerWord, at)) return true;
  return false;
}

export function compileKeyMatcher(pattern: string): KeyTest {
  const m = SIMPLE.exec(pattern);
  if (m) {
    // Folding ASCII only: String.toLowerCase would also turn some non-ASCII letters into ASCII ones (the Kelvin
    // sign into k), matching keys the regex does not.
    const word = m[2]!.toLowerCase();
    return m[1] ? { test: (key) => startsWithFolded(key, word) } : { test: (key) => includesFolded(key, word) };
  }
  return compileByteRegex(`(?i)${pattern}`);
}
