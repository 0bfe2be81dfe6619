/**
 * application/json body processor: flattens a JSON document into ARGS the way CRS expects of Coraza/ModSecurity:
 * `{"a":{"b":1}}` gives `json.a.b = 1`, array elements are numbered (`json.a.0`, `json.a.1`) and a non-empty
 * array also yields its length under its own name (`json.a = 2`). Strings are decoded (escapes become UTF-8 bytes,
 * since WAF strings are byte strings), numbers and booleans keep their text, null is the empty string; a top-level
 * scalar is the single argument `json`.
 *
 * The parser is an iterative state machine with an explicit stack: nesting costs memory bounded by maxDepth and
 * can never overflow the call stack. Strict JSON: anything else is an error (REQBODY_ERROR), with the arguments
 * found before the error still returned so rules can inspect them.
 */
import { codePointToBytes, hexValue, isHexDigit } from './bytes.js';

export interface JsonArgsOptions {
  maxDepth: number;
  maxArgs: number;
  /**
   * Longest argument name (default 4096). Names repeat every key on the path, so a deep chain of long keys with
   * many leaves would otherwise make the names far larger than the body.
   */
  maxNameLength?: number;
}

export interface JsonArgsResult {
  args: Array<[string, string]>;
  error?: string;
}

interface Frame {
  array: boolean;
  name: string;
  /** Index of the current element (arrays). */
  index: number;
}

class JsonError extends Error {}

export function parseJsonArgs(body: string, opts: JsonArgsOptions): JsonArgsResult {
  const args: Array<[string, string]> = [];
  const p = new Parser(body, opts, args);
  try {
    p.run();
    return { args };
  } catch (e) {
    if (e instanceof JsonError) return { args, error: e.message };
    return { args, error: 'JSON parsing failed' };
  }
}

const WS = new Uint8Array(256);
WS[0x20] = WS[0x09] = WS[0x0a] = WS[0x0d] = 1;

class Parser {
  private i = 0;
  private readonly n: number;
  private readonly maxName: number;

  constructor(
    private readonly s: string,
    private readonly opts: JsonArgsOptions,
    private readonly args: Array<[string, string]>,
  ) {
    this.n = s.length;
    this.maxName = opts.maxNameLength ?? 4096;
  }

  run(): void {
    const s = this.s;
    // A UTF-8 byte order mark (as latin1 bytes) is tolerated.
    if (s.startsWith('\xef\xbb\xbf')) this.i = 3;
    this.skipWs();
    if (this.i >= this.n) return;
    const stack: Frame[] = [];
    let name = 'json';
    let expectValue = true;
    for (;;) {
      this.skipWs();
      if (expectValue) {
        const c = s.charCodeAt(this.i);
        if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
          if (stack.length >= this.opts.maxDepth) this.fail(`JSON nesting deeper than ${this.opts.maxDepth}`);
          this.i++;
          this.skipWs();
          if (c === 0x7b) {
            if (s.charCodeAt(this.i) === 0x7d) {
              this.i++;
              expectValue = false;
              continue;
            }
            stack.push({ array: false, name, index: 0 });
            name = this.member(name);
          } else {
            if (s.charCodeAt(this.i) === 0x5d) {
              this.i++;
              expectValue = false;
              continue;
            }
            stack.push({ array: true, name, index: 0 });
            name = name + '.0';
          }
          continue;
        }
        this.emit(name, this.scalar());
        expectValue = false;
        continue;
      }
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (this.i < this.n) this.fail(`unexpected data after the JSON value at offset ${this.i}`);
        return;
      }
      const c = s.charCodeAt(this.i);
      if (c === 0x2c /* , */) {
        this.i++;
        this.skipWs();
        if (top.array) {
          top.index++;
          name = top.name + '.' + top.index;
        } else {
          name = this.member(top.name);
        }
        expectValue = true;
      } else if (!top.array && c === 0x7d) {
        this.i++;
        stack.pop();
      } else if (top.array && c === 0x5d) {
        this.i++;
        this.emit(top.name, String(top.index + 1));
        stack.pop();
      } else {
        this.fail(this.i >= this.n ? 'unexpected end of JSON' : `unexpected character at offset ${this.i}`);
      }
    }
  }

  /** Reads `"key" :` and returns the member's argument name. */
  private member(parent: string): string {
    if (this.s.charCodeAt(this.i) !== 0x22) this.fail(`expected an object key at offset ${this.i}`);
    const key = this.string();
    this.skipWs();
    if (this.s.charCodeAt(this.i) !== 0x3a) this.fail(`expected ':' at offset ${this.i}`);
    this.i++;
    return parent + '.' + key;
  }

  private emit(name: string, value: string): void {
    if (this.args.length >= this.opts.maxArgs) this.fail(`too many arguments (more than ${this.opts.maxArgs})`);
    if (name.length > this.maxName) this.fail(`argument name longer than ${this.maxName}`);
    this.args.push([name, value]);
  }

  private scalar(): string {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (s.startsWith('true', this.i)) {
      this.i += 4;
      return 'true';
    }
    if (s.startsWith('false', this.i)) {
      this.i += 5;
      return 'false';
    }
    if (s.startsWith('null', this.i)) {
      this.i += 4;
      return '';
    }
    return this.fail(this.i >= this.n ? 'unexpected end of JSON' : `unexpected character at offset ${this.i}`);
  }

  private number(): string {
    const s = this.s;
    const start = this.i;
    let i = this.i;
    if (s.charCodeAt(i) === 0x2d) i++;
    const d0 = s.charCodeAt(i);
    if (d0 === 0x30) i++;
    else if (d0 >= 0x31 && d0 <= 0x39) while (isDigit(s.charCodeAt(i))) i++;
    else this.fail(`invalid number at offset ${start}`);
    if (s.charCodeAt(i) === 0x2e) {
      i++;
      if (!isDigit(s.charCodeAt(i))) this.fail(`invalid number at offset ${start}`);
      while (isDigit(s.charCodeAt(i))) i++;
    }
    const e = s.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const sign = s.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      if (!isDigit(s.charCodeAt(i))) this.fail(`invalid number at offset ${start}`);
      while (isDigit(s.charCodeAt(i))) i++;
    }
    this.i = i;
    return s.slice(start, i);
  }

  /** A JSON string starting at the opening quote; escapes decode to UTF-8 bytes. */
  private string(): string {
    const s = this.s;
    const start = ++this.i;
    let out = '';
    let chunk = start;
    for (let i = start; i < this.n; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        this.i = i + 1;
        return out + s.slice(chunk, i);
      }
      if (c < 0x20) this.fail(`control character in string at offset ${i}`);
      if (c !== 0x5c) continue;
      out += s.slice(chunk, i);
      const e = s.charCodeAt(i + 1);
      switch (e) {
        case 0x22: out += '"'; break;
        case 0x5c: out += '\\'; break;
        case 0x2f: out += '/'; break;
        case 0x62: out += '\b'; break;
        case 0x66: out += '\f'; break;
        case 0x6e: out += '\n'; break;
        case 0x72: out += '\r'; break;
        case 0x74: out += '\t'; break;
        case 0x75: {
          let cp = this.hex4(i + 2);
          i += 4;
          // A high surrogate followed by an escaped low surrogate is one astral code point.
          if (cp >= 0xd800 && cp <= 0xdbff && s.charCodeAt(i + 2) === 0x5c && s.charCodeAt(i + 3) === 0x75) {
            const lo = this.hex4(i + 4);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              i += 6;
            }
          }
          out += codePointToBytes(cp);
          break;
        }
        default:
          this.fail(`invalid escape in string at offset ${i}`);
      }
      i++;
      chunk = i + 1;
    }
    return this.fail('unterminated string');
  }

  private hex4(at: number): number {
    const s = this.s;
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = s.charCodeAt(at + k);
      if (!isHexDigit(c)) this.fail(`invalid \\u escape at offset ${at - 2}`);
      v = v * 16 + hexValue(c);
    }
    return v;
  }

  private skipWs(): void {
    const s = this.s;
    let i = this.i;
    while (i < this.n && WS[s.charCodeAt(i) & 0xff] === 1 && s.charCodeAt(i) < 0x100) i++;
    this.i = i;
  }

  private fail(msg: string): never {
    throw new JsonError(msg);
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
