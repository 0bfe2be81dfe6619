/**
 * multipart/form-data body processor with ModSecurity's strict-parsing semantics.
 *
 * Output: text fields as ARGS; file parts as FILES (file names) and FILES_NAMES (field names) with their sizes;
 * every part header line, raw, as MULTIPART_PART_HEADERS keyed by the part's field name; and the strict-parsing
 * flags (MULTIPART_BOUNDARY_QUOTED, MULTIPART_LF_LINE, ...). `strictError` is MULTIPART_STRICT_ERROR: a fatal
 * error or any flag except MULTIPART_UNMATCHED_BOUNDARY and MULTIPART_CRLF_LF_LINES, as in ModSecurity.
 *
 * A fatal fault sets `error` (REQBODY_ERROR) but parsing goes on as far as it sensibly can, so the rules still
 * inspect what an attacker sent in a malformed body. One forward pass over the lines: linear time, bounded parts.
 */

export const MULTIPART_FLAGS = [
  'MULTIPART_BOUNDARY_QUOTED',
  'MULTIPART_BOUNDARY_WHITESPACE',
  'MULTIPART_DATA_BEFORE',
  'MULTIPART_DATA_AFTER',
  'MULTIPART_HEADER_FOLDING',
  'MULTIPART_LF_LINE',
  'MULTIPART_CRLF_LF_LINES',
  'MULTIPART_MISSING_SEMICOLON',
  'MULTIPART_INVALID_QUOTING',
  'MULTIPART_INVALID_PART',
  'MULTIPART_INVALID_HEADER_FOLDING',
  'MULTIPART_FILE_LIMIT_EXCEEDED',
  'MULTIPART_UNMATCHED_BOUNDARY',
] as const;

export type MultipartFlag = (typeof MULTIPART_FLAGS)[number];

/** Flags that do not by themselves make MULTIPART_STRICT_ERROR. */
const NOT_STRICT: ReadonlySet<string> = new Set(['MULTIPART_UNMATCHED_BOUNDARY', 'MULTIPART_CRLF_LF_LINES']);

export interface MultipartFile {
  field: string;
  filename: string;
  size: number;
}

export interface MultipartResult {
  args: Array<[string, string]>;
  files: MultipartFile[];
  partHeaders: Array<[string, string]>;
  strictError: boolean;
  flags: Record<string, boolean>;
  error?: string;
}

export interface MultipartOptions {
  /** Files beyond this are not listed and raise MULTIPART_FILE_LIMIT_EXCEEDED (ModSecurity's SecUploadFileLimit). */
  fileLimit?: number;
  /** Parts beyond this stop parsing with an error. */
  maxParts?: number;
  /** Header lines per part beyond this stop parsing with an error. */
  maxHeadersPerPart?: number;
}

interface Part {
  headerLines: string[];
  headers: Map<string, string>;
  /** Index into headerLines of the line a folded continuation extends. */
  lastHeader: number;
}

export function parseMultipart(body: string, contentType: string, opts: MultipartOptions = {}): MultipartResult {
  const flags: Record<string, boolean> = {};
  for (const f of MULTIPART_FLAGS) flags[f] = false;
  const res: MultipartResult = { args: [], files: [], partHeaders: [], strictError: false, flags };
  const fail = (msg: string): void => {
    res.error ??= msg;
  };
  const b = parseBoundary(contentType, flags);
  if (typeof b !== 'string') {
    fail(b.error);
  } else {
    new BodyParser(body, b, opts, res, fail).run();
  }
  res.strictError = res.error !== undefined || MULTIPART_FLAGS.some((f) => flags[f] === true && !NOT_STRICT.has(f));
  return res;
}

/** Extracts the boundary from a Content-Type header, raising the boundary flags on the way. */
export function parseBoundary(contentType: string, flags: Record<string, boolean>): string | { error: string } {
  const lower = contentType.toLowerCase();
  const params = boundaryParams(lower);
  const at = params[0];
  if (at === undefined) {
    return { error: lower.includes('boundary') ? 'Multipart: Invalid boundary in C-T (malformed)' : 'Multipart: Boundary not found in C-T' };
  }
  if (params.length > 1) return { error: 'Multipart: Multiple boundary parameters in C-T' };
  let k = at - 1;
  while (k >= 0 && (lower[k] === ' ' || lower[k] === '\t')) k--;
  if (k < 0 || lower[k] !== ';') flags.MULTIPART_MISSING_SEMICOLON = true;
  let i = at + 8;
  let sawSpace = false;
  while (contentType[i] === ' ' || contentType[i] === '\t') {
    i++;
    sawSpace = true;
  }
  if (contentType[i] !== '=') return { error: 'Multipart: Invalid boundary in C-T (malformed)' };
  i++;
  while (contentType[i] === ' ' || contentType[i] === '\t') {
    i++;
    sawSpace = true;
  }
  let value: string;
  if (contentType[i] === '"') {
    flags.MULTIPART_BOUNDARY_QUOTED = true;
    const close = contentType.indexOf('"', i + 1);
    if (close === -1) return { error: 'Multipart: Invalid boundary in C-T (quote)' };
    value = contentType.slice(i + 1, close);
    const rest = contentType.slice(close + 1).trim();
    if (rest !== '' && rest[0] !== ';') return { error: 'Multipart: Invalid boundary in C-T (quote)' };
  } else {
    let end = contentType.indexOf(';', i);
    if (end === -1) end = contentType.length;
    value = contentType.slice(i, end);
    const trimmed = value.replace(/[ \t]+$/, '');
    if (trimmed.length !== value.length) sawSpace = true;
    value = trimmed;
    if (value.includes('"')) return { error: 'Multipart: Invalid boundary in C-T (quote)' };
  }
  if (sawSpace) flags.MULTIPART_BOUNDARY_WHITESPACE = true;
  if (value.length === 0 || value.length > 70) return { error: 'Multipart: Invalid boundary in C-T (length)' };
  // RFC 2046 bchars; a space is allowed but not as the last character.
  if (!/^[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]$/.test(value)) {
    return { error: 'Multipart: Invalid boundary in C-T (characters)' };
  }
  return value;
}

/** Offsets of `boundary` used as a parameter name (not inside a value such as `boundary=boundary`). */
function boundaryParams(lower: string): number[] {
  const out: number[] = [];
  for (let at = lower.indexOf('boundary'); at !== -1; at = lower.indexOf('boundary', at + 8)) {
    const before = at === 0 ? ';' : lower[at - 1];
    if (before !== ';' && before !== ' ' && before !== '\t') continue;
    let k = at + 8;
    while (lower[k] === ' ' || lower[k] === '\t') k++;
    if (lower[k] === '=') out.push(at);
  }
  return out;
}

type State = 'preamble' | 'headers' | 'content' | 'epilogue';

class BodyParser {
  private readonly delim: string;
  private readonly fileLimit: number;
  private readonly maxParts: number;
  private readonly maxHeaders: number;
  private parts = 0;
  private sawCrlf = false;
  private sawLf = false;

  constructor(
    private readonly s: string,
    boundary: string,
    opts: MultipartOptions,
    private readonly res: MultipartResult,
    private readonly fail: (msg: string) => void,
  ) {
    this.delim = '--' + boundary;
    this.fileLimit = opts.fileLimit ?? 100;
    this.maxParts = opts.maxParts ?? 1000;
    this.maxHeaders = opts.maxHeadersPerPart ?? 100;
  }

  run(): void {
    const s = this.s;
    const n = s.length;
    const flags = this.res.flags;
    let state: State = 'preamble';
    let part: Part | undefined;
    let contentStart = 0;
    let pos = 0;
    let sawBoundary = false;
    while (pos < n) {
      const nl = s.indexOf('\n', pos);
      const lineEnd = nl === -1 ? n : nl;
      const textEnd = nl > pos && s.charCodeAt(nl - 1) === 0x0d ? nl - 1 : lineEnd;
      const next = nl === -1 ? n : nl + 1;

      if (state === 'epilogue') {
        if (/[^\r\n]/.test(s.slice(pos))) flags.MULTIPART_DATA_AFTER = true;
        break;
      }

      const kind = this.boundaryKind(pos, textEnd);
      if (kind === 'unmatched') flags.MULTIPART_UNMATCHED_BOUNDARY = true;
      if (kind === 'next' || kind === 'final') {
        sawBoundary = true;
        if (nl !== -1) this.noteEol(nl);
        if (state === 'content' && part) {
          // The line break before the boundary belongs to the boundary, not to the content.
          let end = pos;
          if (end > contentStart && s.charCodeAt(end - 1) === 0x0a) {
            end--;
            if (end > contentStart && s.charCodeAt(end - 1) === 0x0d) end--;
            else this.noteBareLf();
          }
          this.finishPart(part, s.slice(contentStart, Math.max(contentStart, end)));
        } else if (state === 'headers' && part) {
          this.fail('Multipart: Invalid part (headers not terminated)');
          flags.MULTIPART_INVALID_PART = true;
          this.finishPart(part, '');
        }
        part = undefined;
        if (kind === 'final') {
          state = 'epilogue';
          pos = next;
          continue;
        }
        if (++this.parts > this.maxParts) {
          this.fail(`Multipart: too many parts (more than ${this.maxParts})`);
          return;
        }
        part = { headerLines: [], headers: new Map(), lastHeader: -1 };
        state = 'headers';
        pos = next;
        continue;
      }

      if (state === 'preamble') {
        flags.MULTIPART_DATA_BEFORE = true;
      } else if (state === 'headers' && part) {
        if (nl !== -1) this.noteEol(nl);
        if (textEnd === pos) {
          state = 'content';
          contentStart = next;
        } else {
          this.headerLine(part, s.slice(pos, textEnd));
          if (part.headerLines.length > this.maxHeaders) {
            this.fail(`Multipart: too many part headers (more than ${this.maxHeaders})`);
            this.flushHeaders(part, this.partName(part));
            return;
          }
        }
      }
      pos = next;
    }

    if (state !== 'epilogue') {
      this.fail(sawBoundary ? 'Multipart: Final boundary missing' : 'Multipart: No boundaries found in payload');
      if (part) {
        if (state === 'content') this.finishPart(part, s.slice(Math.min(contentStart, n)));
        else this.finishPart(part, '');
      }
    }
    if (this.sawCrlf && this.sawLf) flags.MULTIPART_CRLF_LF_LINES = true;
  }

  /** Classifies the line s[pos, end) as our boundary, our final boundary, a near-miss, or not a boundary. */
  private boundaryKind(pos: number, end: number): 'next' | 'final' | 'unmatched' | 'none' {
    const s = this.s;
    if (!s.startsWith(this.delim, pos)) return 'none';
    let i = pos + this.delim.length;
    let final = false;
    if (s.charCodeAt(i) === 0x2d && s.charCodeAt(i + 1) === 0x2d) {
      final = true;
      i += 2;
    }
    // Trailing whitespace after a boundary is tolerated (RFC 2046 transport padding).
    while (i < end && (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09)) i++;
    if (i < end) return 'unmatched';
    return final ? 'final' : 'next';
  }

  private noteEol(nl: number): void {
    if (nl > 0 && this.s.charCodeAt(nl - 1) === 0x0d) this.sawCrlf = true;
    else this.noteBareLf();
  }

  private noteBareLf(): void {
    this.sawLf = true;
    this.res.flags.MULTIPART_LF_LINE = true;
  }

  private headerLine(part: Part, line: string): void {
    const flags = this.res.flags;
    const c0 = line.charCodeAt(0);
    if (c0 === 0x20 || c0 === 0x09) {
      if (part.lastHeader === -1) {
        flags.MULTIPART_INVALID_HEADER_FOLDING = true;
        this.fail('Multipart: Invalid part header (folding error)');
        part.headerLines.push(line);
        return;
      }
      flags.MULTIPART_HEADER_FOLDING = true;
      part.headerLines[part.lastHeader] += ' ' + line.trim();
      const name = headerName(part.headerLines[part.lastHeader] ?? '');
      if (name !== undefined) {
        const prev = part.headers.get(name);
        if (prev !== undefined) part.headers.set(name, prev + ' ' + line.trim());
      }
      return;
    }
    part.headerLines.push(line);
    part.lastHeader = part.headerLines.length - 1;
    const colon = line.indexOf(':');
    if (colon === -1) {
      this.fail('Multipart: Invalid part header (colon missing)');
      return;
    }
    if (colon === 0) {
      this.fail('Multipart: Invalid part header (header name missing)');
      return;
    }
    for (let k = 0; k < colon; k++) {
      const c = line.charCodeAt(k);
      if (c < 0x21 || c > 0x7e) {
        this.fail('Multipart: Invalid part header (contains invalid character)');
        return;
      }
    }
    const name = line.slice(0, colon).toLowerCase();
    if (part.headers.has(name)) {
      this.fail(`Multipart: Duplicate part header: ${line.slice(0, colon)}`);
      return;
    }
    part.headers.set(name, line.slice(colon + 1).trim());
  }

  private partName(part: Part): string {
    const cd = part.headers.get('content-disposition');
    if (cd === undefined) return '';
    return parseContentDisposition(cd, this.res.flags).name ?? '';
  }

  private flushHeaders(part: Part, name: string): void {
    for (const line of part.headerLines) this.res.partHeaders.push([name, line]);
  }

  private finishPart(part: Part, content: string): void {
    const res = this.res;
    const cdRaw = part.headers.get('content-disposition');
    if (cdRaw === undefined) {
      this.flushHeaders(part, '');
      this.fail('Multipart: Part missing Content-Disposition header');
      return;
    }
    const cd = parseContentDisposition(cdRaw, res.flags);
    if (cd.error !== undefined) this.fail(cd.error);
    const name = cd.name ?? '';
    this.flushHeaders(part, name);
    if (cd.name === undefined) {
      this.fail('Multipart: Content-Disposition header missing name field');
      return;
    }
    if (cd.filename !== undefined) {
      if (res.files.length >= this.fileLimit) {
        res.flags.MULTIPART_FILE_LIMIT_EXCEEDED = true;
        return;
      }
      res.files.push({ field: name, filename: cd.filename, size: content.length });
    } else {
      res.args.push([name, content]);
    }
  }
}

function headerName(line: string): string | undefined {
  const colon = line.indexOf(':');
  return colon > 0 ? line.slice(0, colon).toLowerCase() : undefined;
}

interface ContentDisposition {
  name?: string;
  filename?: string;
  error?: string;
}

/**
 * Parses `form-data; name="x"; filename="y"`. Quoted values honour `\"` and `\\` and keep any other backslash
 * (browsers send Windows paths unescaped); single quotes or stray quotes raise MULTIPART_INVALID_QUOTING.
 */
export function parseContentDisposition(value: string, flags: Record<string, boolean>): ContentDisposition {
  const out: ContentDisposition = {};
  const err = (m: string): ContentDisposition => {
    out.error ??= m;
    return out;
  };
  if (value.slice(0, 9).toLowerCase() !== 'form-data') return err('Multipart: Invalid Content-Disposition header');
  const n = value.length;
  let i = 9;
  for (;;) {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
    if (i >= n) return out;
    if (value[i] !== ';') return err('Multipart: Invalid Content-Disposition header (expected ;)');
    i++;
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
    if (i >= n) return out;
    const ps = i;
    while (i < n && value[i] !== '=' && value[i] !== ';' && value[i] !== ' ' && value[i] !== '\t') i++;
    const pname = value.slice(ps, i).toLowerCase();
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
    if (value[i] !== '=') return err('Multipart: Invalid Content-Disposition header (malformed parameter)');
    i++;
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
    let pval = '';
    if (value[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = value[i];
        if (c === '\\' && (value[i + 1] === '"' || value[i + 1] === '\\')) {
          pval += value[i + 1];
          i += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        pval += c;
        i++;
      }
      if (!closed) {
        flags.MULTIPART_INVALID_QUOTING = true;
        err('Multipart: Invalid Content-Disposition header (unterminated quote)');
      }
    } else {
      const vs = i;
      while (i < n && value[i] !== ';') i++;
      pval = value.slice(vs, i).replace(/[ \t]+$/, '');
      if (pval.includes('"') || pval.includes("'")) flags.MULTIPART_INVALID_QUOTING = true;
    }
    if (pname === 'name') {
      if (out.name !== undefined) err('Multipart: Duplicate Content-Disposition name');
      else out.name = pval;
    } else if (pname === 'filename') {
      if (out.filename !== undefined) err('Multipart: Duplicate Content-Disposition filename');
      else out.filename = pval;
    } else {
      // Unknown parameters (filename*, size, ...) are a known way to make parsers disagree.
      err(`Multipart: Invalid Content-Disposition header (unknown parameter ${pname})`);
    }
  }
}
