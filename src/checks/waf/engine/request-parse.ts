/**
 * Query-string and cookie parsing as ModSecurity does it on bytes: `&`-separated pairs, `+` as space,
 * `%XX` decoded, invalid escapes kept literally (never an error), cookies split on `;` without decoding.
 */
import type { Entry } from './types.js';

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Non-strict URL decoding on a byte string: `+` becomes space, `%XX` a byte, bad escapes stay as they are. */
export function urlDecodeLenient(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 0x2b) { out += ' '; continue; }
    if (ch === 0x25 && i + 2 < s.length) {
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) { out += String.fromCharCode(h * 16 + l); i += 2; continue; }
    }
    out += s[i];
  }
  return out;
}

/** `%XX` decoding only (no `+`), invalid escapes kept: how a path is decoded. */
export function percentDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Query-string arguments; beyond `limit` they are dropped (each argument costs every ARGS rule a run). */
export function parseArgs(query: string, limit = Number.POSITIVE_INFINITY): Entry[] {
  const out: Entry[] = [];
  if (!query) return out;
  for (const part of query.split('&')) {
    if (part === '') continue;
    if (out.length >= limit) break;
    const eq = part.indexOf('=');
    const key = urlDecodeLenient(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : urlDecodeLenient(part.slice(eq + 1));
    out.push({ key, value });
  }
  return out;
}

export function parseCookies(header: string): Entry[] {
  const out: Entry[] = [];
  for (const raw of header.split(';')) {
    const part = raw.replace(/^[ \t]+/, '');
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) { out.push({ key: part.trimEnd(), value: '' }); continue; }
    out.push({ key: part.slice(0, eq).trimEnd(), value: part.slice(eq + 1) });
  }
  return out;
}
