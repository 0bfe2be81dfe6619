/**
 * application/x-www-form-urlencoded body processor with ModSecurity's semantics: pairs split on `&`, the name ends
 * at the first `=`, a pair without `=` is a name with an empty value, empty pairs are skipped, `+` is a space,
 * `%hh` is decoded and any other `%` stays as it is (non-strict decoding, so a bad escape is inspected, not lost).
 */
import { hexValue, isHexDigit } from './bytes.js';

export interface UrlEncodedResult {
  args: Array<[string, string]>;
  error?: string;
}

export interface UrlEncodedOptions {
  /** Pairs beyond this are dropped and reported as an error (ModSecurity's SecArgumentsLimit). */
  maxArgs?: number;
}

export function parseUrlEncoded(body: string, opts: UrlEncodedOptions = {}): UrlEncodedResult {
  const maxArgs = opts.maxArgs ?? Number.POSITIVE_INFINITY;
  const args: Array<[string, string]> = [];
  const n = body.length;
  let pos = 0;
  // The next '=' is remembered across pairs so that many pairs without one stay linear.
  let eq = -1;
  while (pos < n) {
    let end = body.indexOf('&', pos);
    if (end === -1) end = n;
    if (end > pos) {
      if (args.length >= maxArgs) return { args, error: `too many arguments (more than ${maxArgs})` };
      if (eq !== -2 && eq < pos) {
        eq = body.indexOf('=', pos);
        if (eq === -1) eq = -2;
      }
      if (eq < 0 || eq >= end) args.push([urlDecodeForm(body, pos, end), '']);
      else args.push([urlDecodeForm(body, pos, eq), urlDecodeForm(body, eq + 1, end)]);
    }
    pos = end + 1;
  }
  return { args };
}

/** Non-strict form decoding of s[from, to): `+` to space, `%hh` to its byte, anything else kept. */
export function urlDecodeForm(s: string, from = 0, to = s.length): string {
  let k = from;
  while (k < to) {
    const c = s.charCodeAt(k);
    if (c === 0x25 || c === 0x2b) break;
    k++;
  }
  if (k === to) return s.slice(from, to);
  let out = '';
  let start = from;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2b) {
      out += s.slice(start, i) + ' ';
      start = i + 1;
    } else if (c === 0x25 && i + 2 < to && isHexDigit(s.charCodeAt(i + 1)) && isHexDigit(s.charCodeAt(i + 2))) {
      out += s.slice(start, i) + String.fromCharCode(hexValue(s.charCodeAt(i + 1)) * 16 + hexValue(s.charCodeAt(i + 2)));
      i += 2;
      start = i + 1;
    }
  }
  return out + s.slice(start, to);
}
