/**
 * go-ftw's request construction, reproduced: the bytes a CRS regression test puts on the wire (request line
 * verbatim, headers as an exact-case map written in sorted order, autocompleted Content-Type, Connection and
 * Content-Length, form data escaped when not already escaped, multipart LF turned into CRLF), and a tiny
 * lenient HTTP/1 parser of our own that reads them back (also used for `encoded_request`).
 */

export interface FtwInput {
  method?: string;
  uri?: string;
  version?: string;
  headers?: Record<string, unknown>;
  data?: string;
  autocomplete_headers?: boolean;
  stop_magic?: boolean;
  encoded_request?: string;
}

export interface ParsedHttpRequest {
  method: string;
  target: string;
  version: string;
  /** Names as sent, values as byte strings. */
  headers: Array<[string, string]>;
  body: string;
}

// go-ftw's pattern, precedence quirk included: ^POST | PUT | PATCH | DELETE$.
const BODY_METHODS = /^POST|PUT|PATCH|DELETE$/;

/** Go's url.QueryEscape on a byte string. */
function queryEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e) out += s[i];
    else if (c === 0x20) out += '+';
    else out += '%' + c.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's url.QueryUnescape: undefined when an escape is malformed. */
function queryUnescape(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '+') { out += ' '; continue; }
    if (ch === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
      out += String.fromCharCode(parseInt(h, 16));
      i += 2;
      continue;
    }
    out += ch;
  }
  return out;
}

function encodeData(headers: Map<string, string>, data: string): string {
  if (headers.get('Content-Type') !== 'application/x-www-form-urlencoded') return data;
  if (queryUnescape(data) !== data) return data;
  const parts: string[] = [];
  for (const token of data.split('&')) {
    const eq = token.indexOf('=');
    if (eq < 0) parts.push(queryEscape(token));
    else parts.push(`${queryEscape(token.slice(0, eq))}=${queryEscape(token.slice(eq + 1))}`);
  }
  return parts.join('&');
}

/** The raw bytes (latin1 string) go-ftw would send for this stage input. */
export function ftwRawRequest(input: FtwInput): string {
  if (input.encoded_request) return Buffer.from(input.encoded_request, 'base64').toString('latin1');
  const method = input.method ?? 'GET';
  const uri = input.uri ?? '/';
  const version = input.version ?? 'HTTP/1.1';
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(input.headers ?? {})) headers.set(k, v === null || v === undefined ? '' : String(v));
  const auto = input.autocomplete_headers ?? (input.stop_magic === undefined ? true : !input.stop_magic);
  // YAML strings are Unicode; go-ftw sends their UTF-8 bytes.
  let data = input.data === undefined || input.data === null ? '' : Buffer.from(String(input.data), 'utf8').toString('latin1');
  const add = (k: string, v: string) => { if (!headers.get(k)) headers.set(k, v); };
  if (data !== '' && auto) {
    add('Content-Type', 'application/x-www-form-urlencoded');
    data = encodeData(headers, data);
  }
  if ((headers.get('Content-Type') ?? '').startsWith('multipart/form-data;')) data = data.replace(/\n/g, '\r\n');
  if (auto) {
    add('Connection', 'close');
    if (data.length > 0 || BODY_METHODS.test(method)) add('Content-Length', String(data.length));
  }
  const toBytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  let raw = `${toBytes(method)} ${toBytes(uri)} ${toBytes(version)}\r\n`;
  for (const k of [...headers.keys()].sort()) raw += `${toBytes(k)}: ${toBytes(headers.get(k)!)}\r\n`;
  raw += '\r\n';
  return raw + data;
}

/** Lenient HTTP/1 request parser (harness only): never throws, takes what it can. */
export function parseHttpRequest(raw: string): ParsedHttpRequest {
  const headEnd = raw.indexOf('\r\n\r\n');
  const lfEnd = raw.indexOf('\n\n');
  let head: string;
  let rest: string;
  if (headEnd >= 0 && (lfEnd < 0 || headEnd < lfEnd)) { head = raw.slice(0, headEnd); rest = raw.slice(headEnd + 4); }
  else if (lfEnd >= 0) { head = raw.slice(0, lfEnd); rest = raw.slice(lfEnd + 2); }
  else { head = raw; rest = ''; }
  const lines = head.split(/\r?\n/);
  const requestLine = lines.shift() ?? '';
  // The method is everything before the first space, the version after the last (verbatim, as sent).
  const first = requestLine.indexOf(' ');
  const last = requestLine.lastIndexOf(' ');
  let method = requestLine;
  let target = '';
  let version = '';
  if (first >= 0) {
    method = requestLine.slice(0, first);
    if (last > first) { target = requestLine.slice(first + 1, last); version = requestLine.slice(last + 1); }
    else target = requestLine.slice(first + 1);
  }
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      // obs-fold: a continuation of the previous header value
      headers[headers.length - 1]![1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push([line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')]);
  }
  const header = (n: string) => headers.find(([k]) => k.toLowerCase() === n)?.[1];
  let body = rest;
  if ((header('transfer-encoding') ?? '').toLowerCase().includes('chunked')) body = dechunk(rest);
  else {
    // HTTP/1.1: without Content-Length or chunked framing a request has no body (RFC 9112 6.3).
    const cl = header('content-length');
    if (cl === undefined) body = '';
    else if (/^\d+$/.test(cl.trim())) body = rest.slice(0, Number(cl.trim()));
  }
  return { method, target, version, headers, body };
}

function dechunk(s: string): string {
  let out = '';
  let pos = 0;
  while (pos < s.length) {
    const eol = s.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = parseInt(s.slice(pos, eol).split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size <= 0) break;
    out += s.slice(eol + 2, eol + 2 + size);
    pos = eol + 2 + size + 2;
  }
  return out;
}
