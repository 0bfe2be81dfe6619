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

export function scanJson(buf: Uint8Array, limits: JsonLimits): string | undefined {
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
