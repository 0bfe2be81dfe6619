/**
 * Path normalization for route matching, so `/api/%75sers`, `/api/./users` and `//api/users` all match the
 * route for `/api/users`, and paths that could mean different things to Envoy and the upstream are refused.
 */

export type NormalizedPath = { ok: true; path: string } | { ok: false; reason: string };

const UNRESERVED = /[A-Za-z0-9\-._~]/;
// Already normal (the usual case): `/`-separated segments that are not empty, do not start with a dot and hold no
// escape, backslash, space or control character, with at most one trailing slash. Each repetition starts at a
// slash, so the pattern cannot backtrack.
const CANONICAL = /^(?:\/[^/%\\\x00-\x20\x7f.][^/%\\\x00-\x20\x7f]*)*\/?$/;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Normalizes the path part of a request target (no query): decodes percent-encoded unreserved characters,
 * upper-cases the remaining escapes, merges repeated slashes and resolves dot segments. Refuses encoded `/` or
 * `\`, NUL, raw backslashes, control characters, invalid escapes, and `..` above the root.
 */
export function normalizePath(raw: string): NormalizedPath {
  if (raw.length > 0 && CANONICAL.test(raw)) return { ok: true, path: raw };
  if (raw.length === 0 || raw.charCodeAt(0) !== 47 /* / */) return { ok: false, reason: 'path must start with /' };
  let decoded = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 37 /* % */) {
      const hi = i + 2 < raw.length ? hexValue(raw.charCodeAt(i + 1)) : -1;
      const lo = i + 2 < raw.length ? hexValue(raw.charCodeAt(i + 2)) : -1;
      if (hi < 0 || lo < 0) return { ok: false, reason: 'invalid percent-encoding' };
      const byte = hi * 16 + lo;
      if (byte === 0x2f || byte === 0x5c) return { ok: false, reason: 'encoded slash or backslash' };
      if (byte === 0) return { ok: false, reason: 'encoded NUL' };
      const ch = String.fromCharCode(byte);
      decoded += UNRESERVED.test(ch) ? ch : '%' + raw.slice(i + 1, i + 3).toUpperCase();
      i += 2;
    } else if (c < 0x21 || c === 0x7f) {
      return { ok: false, reason: 'control character or space in path' };
    } else if (c === 92 /* \ */) {
      return { ok: false, reason: 'backslash in path' };
    } else {
      decoded += raw[i];
    }
  }
  const out: string[] = [];
  const segments = decoded.split('/');
  // segments[0] is '' (leading slash); empty segments come from repeated slashes and are merged away.
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return { ok: false, reason: 'dot segments above the root' };
      out.pop();
      continue;
    }
    out.push(seg);
  }
  const trailing = decoded.length > 1 && (decoded.endsWith('/') || decoded.endsWith('/.') || decoded.endsWith('/..'));
  let path = '/' + out.join('/');
  if (trailing && out.length > 0) path += '/';
  return { ok: true, path };
}

/** Decodes a query component: `+` as space, percent escapes as UTF-8; invalid escapes are kept literally. */
export function decodeQueryComponent(s: string): string {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus.replace(/%([0-9A-Fa-f]{2})/g, (m, h: string) => {
      const b = parseInt(h, 16);
      return b < 0x80 ? String.fromCharCode(b) : m;
    });
  }
}

/** Parses `a=1&b=2&a=3` into `{ a: ['1', '3'], b: ['2'] }`. */
export function parseQueryString(raw: string): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null);
  if (!raw) return out;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeQueryComponent(part.slice(eq + 1));
    (out[name] ??= []).push(value);
  }
  return out;
}
