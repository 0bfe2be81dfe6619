/**
 * Claims to request headers. A value that could split or smuggle a header (CR, LF, NUL or another control
 * character) or that is oversized is never injected; the caller records which headers were skipped.
 */

/** Longest header value injected from a claim. */
export const MAX_CLAIM_HEADER_BYTES = 8 * 1024;

// HTAB is the only control character a field value may carry (RFC 9110, section 5.5).
const FORBIDDEN = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Reads a claim by dotted path (`realm_access.roles`); a claim whose own name has dots is found first. */
export function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.prototype.hasOwnProperty.call(claims, path)) return claims[path];
  if (!path.includes('.')) return undefined;
  let node: unknown = claims;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.prototype.hasOwnProperty.call(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The header text for a claim value, or undefined when it must not be injected (absent, object, unsafe). */
export function headerValueOf(value: unknown): string | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return undefined;
    text = value.join(',');
  } else return undefined;
  if (FORBIDDEN.test(text) || Buffer.byteLength(text, 'utf8') > MAX_CLAIM_HEADER_BYTES) return undefined;
  return text;
}
