/** Reads a compact JWS's header and claims before verification, to pick the provider and the key. */

export interface DecodedToken {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Tokens longer than this are refused before any parsing (headers are capped by the core anyway). */
export const MAX_TOKEN_LENGTH = 16 * 1024;

const B64URL = /^[A-Za-z0-9_-]+$/;
// An empty signature is still decoded, so `alg: none` is answered as the algorithm problem it is.
const B64URL_OR_EMPTY = /^[A-Za-z0-9_-]*$/;

export function decodeToken(token: string): DecodedToken | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  // Exactly three parts: a five-part JWE or a two-part fragment is not a signed token.
  if (second < 0 || token.indexOf('.', second + 1) >= 0) return undefined;
  const h = token.slice(0, first);
  const p = token.slice(first + 1, second);
  const s = token.slice(second + 1);
  if (!B64URL.test(h) || !B64URL.test(p) || !B64URL_OR_EMPTY.test(s)) return undefined;
  const header = parseObject(h);
  const claims = header && parseObject(p);
  if (!header || !claims) return undefined;
  return { header, claims };
}

function parseObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
