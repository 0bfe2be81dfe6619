/**
 * @detectXSS: decides whether a value would introduce script if pasted into an HTML page.
 *
 * The value is read the way a browser's HTML tokenizer would read it in the places a value lands: in text (every
 * `<` that opens a tag is parsed, name and attributes, as the browser does, unclosed tags included), inside a
 * double- or single-quoted attribute value (whatever follows the first such quote is read as more attributes of
 * that tag), in an unquoted attribute value, in place of an attribute list, and as a URL. It is script when it opens a script-capable element
 * (script, iframe, object, embed, svg, style, ...), sets an event handler (`on...=`), gives a URL attribute a
 * javascript:/vbscript:/data: URL, or puts script into a style (`expression(`, `-moz-binding`). Plain markup such as
 * `<b>bold</b>` or `<a href="https://...">` is not script. Linear: each `<` is parsed once and parsing only moves
 * forward.
 */
import { DANGEROUS_TAGS, EVENT_HANDLERS, URL_ATTRIBUTES } from './html-words.js';

export function detectXSS(input: string): boolean {
  if (input.length === 0) return false;
  // Text context: any tag anywhere.
  let lt = input.indexOf('<');
  while (lt !== -1) {
    let next = lt + 1;
    // Only a letter, '/', '!' or '?' after '<' starts markup; skip the rest without parsing.
    const c = input.charCodeAt(lt + 1);
    if (isAlpha(c) || c === 0x2f || c === 0x21 || c === 0x3f) {
      const r = scanTag(input, lt + 1);
      if (r.xss) return true;
      next = Math.max(r.end, next);
    }
    lt = input.indexOf('<', next);
  }
  // Every script attribute needs a value, so without '=' no attribute context can hold one.
  if (input.indexOf('=') !== -1) {
    // Attribute contexts: the value breaks out of a quoted attribute and adds attributes of its own.
    for (const q of ['"', "'", '`']) {
      const at = input.indexOf(q);
      if (at !== -1 && scanAttributes(input, at + 1, '', true).xss) return true;
    }
    // Unquoted attribute value (attributes after the first space), or the value is itself an attribute list.
    const sp = firstSpace(input);
    if (sp !== -1 && scanAttributes(input, sp + 1, '', true).xss) return true;
    if (scanAttributes(input, 0, '', true).xss) return true;
  }
  // URL context: the whole value used as a link.
  return isScriptUrl(input, 0, input.length);
}

interface ScanResult {
  xss: boolean;
  /** Where scanning stopped (after the tag's `>` or at the end). */
  end: number;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

function isAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function firstSpace(s: string): number {
  for (let i = 0; i < s.length; i++) if (isSpace(s.charCodeAt(i))) return i;
  return -1;
}

/** Parses the tag whose `<` is just before `i`. */
function scanTag(s: string, i: number): ScanResult {
  const n = s.length;
  const c = s.charCodeAt(i);
  if (c === 0x2f /* / */) {
    // An end tag: `</script>` closes a script block early, which is how injections into scripts start.
    let j = i + 1;
    while (j < n && !isSpace(s.charCodeAt(j)) && s.charCodeAt(j) !== 0x3e && s.charCodeAt(j) !== 0x2f) j++;
    const name = localName(s.slice(i + 1, j).toLowerCase());
    return { xss: name === 'script', end: j };
  }
  if (c === 0x21 /* ! */ || c === 0x3f /* ? */) {
    // Declarations, comments and processing instructions: `<?import`, `<!--[if` are legacy script hooks.
    const rest = s.slice(i, i + 12).toLowerCase();
    return { xss: rest.startsWith('?import') || rest.startsWith('?xml-stylesheet') || rest.startsWith('!--[if') || rest.startsWith('![endif'), end: i + 1 };
  }
  if (!isAlpha(c)) return { xss: false, end: i };
  let j = i + 1;
  while (j < n && !isSpace(s.charCodeAt(j)) && s.charCodeAt(j) !== 0x2f && s.charCodeAt(j) !== 0x3e) j++;
  const name = localName(s.slice(i, j).toLowerCase());
  if (DANGEROUS_TAGS.has(name)) return { xss: true, end: j };
  return scanAttributes(s, j, name, false);
}

/** `x:script` is a script element in XHTML when x is bound to the XHTML namespace; judge by the local name. */
function localName(name: string): string {
  const colon = name.lastIndexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/**
 * Reads attributes from i as the HTML tokenizer's "before attribute name" state does, up to the tag's `>`.
 * `breakout`: the value escaped from an attribute, so no tag was seen; only clear script attributes count.
 */
function scanAttributes(s: string, i: number, tag: string, breakout: boolean): ScanResult {
  const n = s.length;
  // Budget: an attribute list longer than this is not a tag a browser would be fed from one value.
  for (let attrs = 0; attrs < 256 && i < n; attrs++) {
    while (i < n && (isSpace(s.charCodeAt(i)) || s.charCodeAt(i) === 0x2f)) i++;
    if (i >= n) break;
    if (s.charCodeAt(i) === 0x3e) return { xss: false, end: i + 1 };
    // Attribute name: up to whitespace, '/', '>' or '=' (a leading '=' belongs to the name).
    const ns = i;
    i++;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (isSpace(c) || c === 0x2f || c === 0x3e || c === 0x3d) break;
      i++;
    }
    let j = i;
    while (j < n && isSpace(s.charCodeAt(j))) j++;
    // An attribute without a value cannot carry script: skip it without building strings.
    if (s.charCodeAt(j) !== 0x3d) continue;
    const name = s.slice(ns, i).toLowerCase();
    j++;
    while (j < n && isSpace(s.charCodeAt(j))) j++;
    let value: string;
    const q = s.charCodeAt(j);
    if (q === 0x22 || q === 0x27 || q === 0x60) {
      const close = s.indexOf(String.fromCharCode(q), j + 1);
      value = s.slice(j + 1, close === -1 ? n : close);
      i = close === -1 ? n : close + 1;
    } else {
      let k = j;
      while (k < n && !isSpace(s.charCodeAt(k)) && s.charCodeAt(k) !== 0x3e) k++;
      value = s.slice(j, k);
      i = k;
    }
    if (isScriptAttribute(tag, name, value, breakout)) return { xss: true, end: i };
  }
  return { xss: false, end: i };
}

function isScriptAttribute(tag: string, rawName: string, value: string, breakout: boolean): boolean {
  // Quotes glued to a name after a broken attribute (`"onmouseover=`) are not part of what the browser acts on.
  let start = 0;
  while (start < rawName.length && (rawName[start] === '"' || rawName[start] === "'" || rawName[start] === '`')) start++;
  const name = localName(start === 0 ? rawName : rawName.slice(start));
  if (name.length > 2 && name.startsWith('on') && isAlpha(name.charCodeAt(2))) {
    // After a breakout, only handlers browsers implement: prose and code (`6" onwards=3`, `var once = f(x)`)
    // have on-words with values too. Inside a real tag any on-attribute counts.
    return !breakout || EVENT_HANDLERS.has(name);
  }
  if (name === 'style') return isScriptStyle(value);
  if (name === 'srcdoc') return !breakout || value.includes('<');
  if (URL_ATTRIBUTES.has(name) || (tag === 'meta' && name === 'content')) {
    const v = tag === 'meta' ? value.replace(/^[^;]*;\s*url\s*=\s*/i, '') : value;
    return isScriptUrl(v, 0, v.length);
  }
  return false;
}

function isScriptStyle(v: string): boolean {
  const css = v.toLowerCase().replace(/\/\*[^*]*\*\//g, '').replace(/[\s\\]/g, '');
  return css.includes('expression(') || css.includes('javascript:') || css.includes('vbscript:') || css.includes('-moz-binding') || css.includes('behavior:');
}

/**
 * A URL whose scheme runs script. Browsers drop leading control characters and spaces and ignore tab and newline
 * inside the scheme; `data:` is script unless it is an image. A bare `javascript:` followed by prose is not.
 */
export function isScriptUrl(s: string, from: number, to: number): boolean {
  // Browsers decode character references in attribute values before reading the scheme (`javascript&colon;`).
  if (s.indexOf('&', from) !== -1 && s.indexOf('&', from) < to) {
    s = decodeUrlEntities(s.slice(from, Math.min(to, from + 512)));
    from = 0;
    to = s.length;
  }
  let i = from;
  while (i < to && s.charCodeAt(i) <= 0x20) i++;
  let scheme = '';
  let k = i;
  for (; k < to && scheme.length < 16; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (c === 0x3a) break;
    if (!isAlpha(c)) return false;
    scheme += String.fromCharCode(c | 0x20);
  }
  if (k >= to || s.charCodeAt(k) !== 0x3a) return false;
  const rest = s.slice(k + 1, Math.min(to, k + 200));
  if (scheme === 'vbscript' || scheme === 'livescript') return /\S/.test(rest);
  if (scheme === 'javascript') return /^\s*[^\s]/.test(rest) && /[(`=/\[.]|^\s*[a-z_$][\w$]*$/i.test(rest);
  // data: runs script as HTML, XML, SVG or JavaScript; images and plain text do not.
  if (scheme === 'data') return /^\s*(?:,|text\/(?:html|xml|javascript|ecmascript|xsl)|application\/(?:xhtml|xml|javascript|ecmascript|x-javascript)|image\/svg)/i.test(rest);
  return false;
}

const URL_ENTITIES: Record<string, string> = { colon: ':', tab: '\t', newline: '\n', lpar: '(', rpar: ')', sol: '/', period: '.', lowbar: '_', num: '#', quot: '"', apos: "'", amp: '&' };

/** The character references that can hide a URL scheme: named ones browsers know, and numeric ones. */
function decodeUrlEntities(v: string): string {
  return v.replace(/&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([a-zA-Z]{2,8}));?/g, (m, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (hex !== undefined || dec !== undefined) {
      const cp = hex !== undefined ? parseInt(hex, 16) : parseInt(dec!, 10);
      return cp > 0 && cp < 0x80 ? String.fromCharCode(cp) : m;
    }
    return URL_ENTITIES[name!.toLowerCase()] ?? m;
  });
}
