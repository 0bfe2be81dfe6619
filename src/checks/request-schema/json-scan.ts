/**
 * A linear pre-scan of a JSON body before it is parsed or validated: hostile bodies (deep nesting, huge
 * member counts) are refused in one pass over the bytes, before they can cost a parse, a validation with
 * thousands of errors, or a stack overflow in something downstream that recurses.
 */
export interface JsonLimits {
  /** Deepest allowed nesting of objects and arrays. */
  maxDepth: number;
  /** Most allowed values in objects and arrays together (members plus elements, roughly). */
  maxMembers: number;
}

export const defaultJsonLimits: JsonLimits = { maxDepth: 64, maxMembers: 10000 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

function countByte(buf: Buffer, byte: number, stopAfter: number): number {
  let n = 0;
  for (let i = buf.indexOf(byte); i >= 0 && n <= stopAfter; i = buf.indexOf(byte, i + 1)) n++;
  return n;
}

/**
 * Cheap proof that a body is within limits without a byte loop: nesting cannot exceed the number of opening
 * brackets, and values need at least two bytes each. Typical bodies take this path (a few native searches).
 */
function obviouslyWithin(buf: Buffer, limits: JsonLimits): boolean {
  if (buf.length >= limits.maxMembers * 2) return false;
  return countByte(buf, OPEN_BRACE, limits.maxDepth) + countByte(buf, OPEN_BRACKET, limits.maxDepth) <= limits.maxDepth;
}

export function scanJson(input: Uint8Array, limits: JsonLimits): string | undefined {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (obviouslyWithin(buf, limits)) return undefined;
  let depth = 0;
  let members = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limits.maxDepth) return `nesting deeper than ${limits.maxDepth}`;
      if (++members > limits.maxMembers) return `more than ${limits.maxMembers} values`;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    else if (c === COMMA && ++members > limits.maxMembers) return `more than ${limits.maxMembers} values`;
  }
  return undefined;
}
