/**
 * A small, safe, non-validating XML reader for the WAF's `XML:/*` (text content) and `XML://@*` (attribute values).
 *
 * Safe by construction: no DTD is ever fetched or interpreted (a DOCTYPE is skipped), no entity is expanded beyond
 * the five predefined ones and numeric character references, nesting is capped, and every scan moves forward, so
 * time is linear in the input. Each non-blank run of character data (and each CDATA section) becomes one trimmed
 * entry of `texts`, as Coraza presents `XML:/*`. A document that is not well formed yields `error`
 * (REQBODY_ERROR) together with whatever was read before and after the fault, so rules still see it.
 */
import { codePointToBytes } from './bytes.js';

export interface XmlOptions {
  maxDepth: number;
  /** Cap on texts + attributes collected; beyond it parsing stops with an error. */
  maxItems?: number;
}

export interface XmlResult {
  texts: string[];
  attributes: Array<[string, string]>;
  error?: string;
}

class Stop extends Error {}

export function parseXml(body: string, opts: XmlOptions): XmlResult {
  const r = new XmlReader(body, opts);
  try {
    r.run();
  } catch (e) {
    if (!(e instanceof Stop)) r.setError('XML parsing failed');
  }
  const out: XmlResult = { texts: r.texts, attributes: r.attributes };
  if (r.error !== undefined) out.error = r.error;
  return out;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0x80;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

class XmlReader {
  texts: string[] = [];
  attributes: Array<[string, string]> = [];
  error: string | undefined;
  private i = 0;
  private readonly n: number;
  private readonly stack: string[] = [];
  private rootSeen = false;
  private rootClosed = false;
  private doctypeSeen = false;
  private readonly maxItems: number;

  constructor(
    private readonly s: string,
    private readonly opts: XmlOptions,
  ) {
    this.n = s.length;
    this.maxItems = opts.maxItems ?? 100_000;
  }

  setError(msg: string): void {
    this.error ??= msg;
  }

  private fatal(msg: string): never {
    this.setError(msg);
    throw new Stop();
  }

  run(): void {
    const s = this.s;
    if (s.startsWith('\xef\xbb\xbf')) this.i = 3;
    while (this.i < this.n) {
      const lt = s.indexOf('<', this.i);
      const end = lt === -1 ? this.n : lt;
      if (end > this.i) this.text(this.i, end);
      if (lt === -1) break;
      this.i = lt;
      this.markup();
    }
    if (this.stack.length > 0) this.setError(`unclosed element <${this.stack[this.stack.length - 1]}>`);
    else if (!this.rootSeen) this.setError('no root element');
  }

  private text(from: number, to: number): void {
    const raw = this.s.slice(from, to);
    if (this.stack.length === 0) {
      if (raw.trim() !== '') this.setError(this.rootSeen ? 'content after the root element' : 'content before the root element');
      return;
    }
    this.pushText(this.decode(raw));
  }

  private pushText(t: string): void {
    const trimmed = t.trim();
    if (trimmed === '') return;
    if (this.texts.length + this.attributes.length >= this.maxItems) this.fatal(`too many XML nodes (more than ${this.maxItems})`);
    this.texts.push(trimmed);
  }

  private markup(): void {
    const s = this.s;
    const i = this.i;
    if (s.startsWith('<?', i)) {
      const close = s.indexOf('?>', i + 2);
      if (close === -1) this.fatal('unterminated processing instruction');
      this.i = close + 2;
      return;
    }
    if (s.startsWith('<!--', i)) {
      const close = s.indexOf('-->', i + 4);
      if (close === -1) this.fatal('unterminated comment');
      this.i = close + 3;
      return;
    }
    if (s.startsWith('<![CDATA[', i)) {
      const close = s.indexOf(']]>', i + 9);
      if (close === -1) this.fatal('unterminated CDATA section');
      if (this.stack.length === 0) this.setError('CDATA outside the root element');
      else this.pushText(s.slice(i + 9, close));
      this.i = close + 3;
      return;
    }
    if (s.startsWith('<!DOCTYPE', i)) {
      if (this.rootSeen || this.doctypeSeen) this.setError('misplaced DOCTYPE');
      this.doctypeSeen = true;
      this.skipDoctype();
      return;
    }
    if (s.charCodeAt(i + 1) === 0x2f) {
      this.endTag();
      return;
    }
    this.startTag();
  }

  /** Skips a DOCTYPE, internal subset included, without interpreting any of it. */
  private skipDoctype(): void {
    const s = this.s;
    let i = this.i + 9;
    let inSubset = false;
    while (i < this.n) {
      const c = s.charCodeAt(i);
      if (c === 0x22 || c === 0x27) {
        const close = s.indexOf(c === 0x22 ? '"' : "'", i + 1);
        if (close === -1) break;
        i = close + 1;
        continue;
      }
      if (inSubset && s.startsWith('<!--', i)) {
        const close = s.indexOf('-->', i + 4);
        if (close === -1) break;
        i = close + 3;
        continue;
      }
      if (c === 0x5b) inSubset = true;
      else if (c === 0x5d) inSubset = false;
      else if (c === 0x3e && !inSubset) {
        this.i = i + 1;
        return;
      }
      i++;
    }
    this.fatal('unterminated DOCTYPE');
  }

  private readName(): string {
    const s = this.s;
    const start = this.i;
    if (!isNameStart(s.charCodeAt(start))) return '';
    let i = start + 1;
    while (i < this.n && isNameChar(s.charCodeAt(i))) i++;
    this.i = i;
    return s.slice(start, i);
  }

  private skipSpace(): boolean {
    const start = this.i;
    while (this.i < this.n && isSpace(this.s.charCodeAt(this.i))) this.i++;
    return this.i > start;
  }

  private endTag(): void {
    this.i += 2;
    const name = this.readName();
    if (name === '') this.fatal(`invalid end tag at offset ${this.i}`);
    this.skipSpace();
    if (this.s.charCodeAt(this.i) !== 0x3e) this.fatal(`malformed end tag </${name}>`);
    this.i++;
    const top = this.stack[this.stack.length - 1];
    if (top === name) {
      this.stack.pop();
    } else {
      this.setError(top === undefined ? `unexpected end tag </${name}>` : `end tag </${name}> does not match <${top}>`);
      const at = this.stack.lastIndexOf(name);
      if (at !== -1) this.stack.length = at;
    }
    if (this.stack.length === 0 && this.rootSeen) this.rootClosed = true;
  }

  private startTag(): void {
    const s = this.s;
    this.i++;
    const name = this.readName();
    if (name === '') this.fatal(`invalid markup at offset ${this.i - 1}`);
    if (this.stack.length === 0) {
      if (this.rootClosed) this.setError('more than one root element');
      this.rootSeen = true;
    }
    const seen = new Set<string>();
    for (;;) {
      const spaced = this.skipSpace();
      const c = s.charCodeAt(this.i);
      if (c === 0x3e /* > */) {
        this.i++;
        if (this.stack.length >= this.opts.maxDepth) this.fatal(`XML nesting deeper than ${this.opts.maxDepth}`);
        this.stack.push(name);
        return;
      }
      if (c === 0x2f /* / */) {
        if (s.charCodeAt(this.i + 1) !== 0x3e) this.fatal(`malformed tag <${name}>`);
        this.i += 2;
        if (this.stack.length === 0) this.rootClosed = true;
        return;
      }
      if (this.i >= this.n) this.fatal(`unterminated tag <${name}>`);
      if (!spaced) this.setError(`attributes of <${name}> not separated by whitespace`);
      const attr = this.readName();
      if (attr === '') return this.recoverTag(name, `invalid attribute in <${name}>`);
      this.skipSpace();
      if (s.charCodeAt(this.i) !== 0x3d) return this.recoverTag(name, `attribute ${attr} of <${name}> has no value`);
      this.i++;
      this.skipSpace();
      const q = s.charCodeAt(this.i);
      if (q !== 0x22 && q !== 0x27) return this.recoverTag(name, `attribute ${attr} of <${name}> is not quoted`);
      const close = s.indexOf(q === 0x22 ? '"' : "'", this.i + 1);
      if (close === -1) this.fatal(`unterminated attribute ${attr} of <${name}>`);
      const raw = s.slice(this.i + 1, close);
      this.i = close + 1;
      if (raw.includes('<')) this.setError(`'<' in attribute ${attr} of <${name}>`);
      if (seen.has(attr)) this.setError(`duplicate attribute ${attr} in <${name}>`);
      seen.add(attr);
      if (this.texts.length + this.attributes.length >= this.maxItems) this.fatal(`too many XML nodes (more than ${this.maxItems})`);
      // Attribute-value normalization: literal tab/CR/LF read as spaces, as any XML parser reports them.
      this.attributes.push([attr, this.decode(raw.replace(/[\t\n\r]/g, ' '))]);
    }
  }

  /**
   * A tag too broken to read attribute by attribute: report it, skip to its '>' and go on as a browser would,
   * so the rest of the document is still inspected.
   */
  private recoverTag(name: string, msg: string): void {
    this.setError(msg);
    const gt = this.s.indexOf('>', this.i);
    if (gt === -1) this.fatal(`unterminated tag <${name}>`);
    this.i = gt + 1;
    if (this.s.charCodeAt(gt - 1) === 0x2f) {
      if (this.stack.length === 0) this.rootClosed = true;
      return;
    }
    if (this.stack.length >= this.opts.maxDepth) this.fatal(`XML nesting deeper than ${this.opts.maxDepth}`);
    this.stack.push(name);
  }

  /** Decodes the predefined entities and character references; anything else stays literal. */
  private decode(raw: string): string {
    let amp = raw.indexOf('&');
    if (amp === -1) return raw;
    let out = '';
    let start = 0;
    let semi = -1;
    while (amp !== -1) {
      // The next ';' is found once per run, so a run of '&' without ';' stays linear.
      if (semi <= amp) semi = raw.indexOf(';', amp + 1);
      if (semi === -1) {
        this.setError("bare '&' in character data");
        break;
      }
      // Entity names are short; a far-away ';' is not this reference's end.
      if (semi - amp > 12) {
        this.setError("bare '&' in character data");
        amp = raw.indexOf('&', amp + 1);
        continue;
      }
      const ref = raw.slice(amp + 1, semi);
      let rep: string | undefined;
      if (ref.charCodeAt(0) === 0x23 /* # */) {
        const hex = ref.charCodeAt(1) === 0x78 || ref.charCodeAt(1) === 0x58;
        const digits = ref.slice(hex ? 2 : 1);
        if (digits !== '' && (hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) {
          const cp = parseInt(digits, hex ? 16 : 10);
          if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.setError(`invalid character reference &${ref};`);
          else rep = codePointToBytes(cp);
        } else {
          this.setError(`invalid character reference &${ref};`);
        }
      } else if (Object.hasOwn(PREDEFINED, ref)) {
        rep = PREDEFINED[ref];
      } else if (!this.doctypeSeen) {
        // A document without a DTD cannot declare entities; one with a DTD keeps the reference literal.
        this.setError(`undefined entity &${ref};`);
      }
      if (rep !== undefined) {
        out += raw.slice(start, amp) + rep;
        start = semi + 1;
      }
      amp = raw.indexOf('&', semi + 1);
    }
    return out + raw.slice(start);
  }
}
