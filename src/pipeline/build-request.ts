/**
 * Builds the normalized AuthzRequest from what Envoy sent (already decoded from protobuf into RequestInput),
 * refusing what cannot be judged with a coded reason instead of throwing.
 */
import type { ErrorCode } from '../lib/errors.js';
import { newDecisionId } from '../lib/ids.js';
import type { ClientIpResolver } from './client-ip.js';
import { normalizePath, parseQueryString } from './normalize-path.js';
import type { AuthzRequest, JsonBodyResult, PeerAddress } from './types.js';

/** The request as Envoy describes it, free of protobuf types. */
export interface RequestInput {
  method: string;
  /** `:path` (or `request.http.path`): the raw request target with its query. */
  path: string;
  /** Header map (lower-cased names) or raw header list (`header_map`), values already decoded. */
  headers: Record<string, string> | Array<[string, string | Buffer]>;
  body?: Buffer;
  authority?: string;
  scheme?: string;
  protocol?: string;
  source?: PeerAddress;
  destination?: PeerAddress;
  tls?: { principal?: string; sni?: string; certificate?: string };
  contextExtensions?: Record<string, string>;
  /** Epoch ms of Envoy's request time, if sent. */
  time?: number;
}

export interface RequestLimits {
  maxHeaders: number;
  maxHeaderBytes: number;
  maxTotalHeaderBytes: number;
}

export const defaultRequestLimits: RequestLimits = {
  maxHeaders: 200,
  maxHeaderBytes: 16 * 1024,
  maxTotalHeaderBytes: 96 * 1024,
};

export type BuildResult = { ok: true; req: AuthzRequest } | { ok: false; code: ErrorCode; reason: string };

// Header names are tokens (RFC 9110) or HTTP/2 pseudo-headers; values exclude CR, LF and NUL.
const HEADER_NAME = /^:?[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const BAD_VALUE = /[\r\n\0]/;
// Header names repeat from request to request: a name once found valid and lower-case is not tested again.
const validNames = new Set<string>();
const MAX_VALID_NAMES = 2048;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function headerValue(v: string | Buffer): string | undefined {
  if (typeof v === 'string') return v;
  try {
    return utf8.decode(v);
  } catch {
    return undefined;
  }
}

interface HeaderAcc {
  readonly headers: Record<string, string>;
  list: Array<readonly [string, string]> | undefined;
  total: number;
}

function tooMany(n: number, limits: RequestLimits): BuildResult {
  return { ok: false, code: 'request.too_many_headers', reason: `${n} headers, limit ${limits.maxHeaders}` };
}

/** Validates one header and merges it into `acc`; returns the refusal, if any. */
function addHeader(acc: HeaderAcc, rawName: string, rawValue: string | Buffer, limits: RequestLimits): BuildResult | undefined {
  const known = validNames.has(rawName);
  const name = known ? rawName : rawName.toLowerCase();
  const size = name.length + (typeof rawValue === 'string' ? rawValue.length : rawValue.byteLength);
  if (size > limits.maxHeaderBytes) return { ok: false, code: 'request.header_too_large', reason: `header ${name.slice(0, 64)} is ${size} bytes` };
  acc.total += size;
  if (acc.total > limits.maxTotalHeaderBytes) return { ok: false, code: 'request.header_too_large', reason: `headers exceed ${limits.maxTotalHeaderBytes} bytes` };
  if (!known) {
    if (!HEADER_NAME.test(name)) return { ok: false, code: 'request.bad_header', reason: 'invalid header name' };
    if (name === rawName && validNames.size < MAX_VALID_NAMES) validNames.add(name);
  }
  const value = headerValue(rawValue);
  if (value === undefined) return { ok: false, code: 'request.bad_header', reason: `header ${name} is not valid UTF-8` };
  if (BAD_VALUE.test(value)) return { ok: false, code: 'request.bad_header', reason: `header ${name} has a control character` };
  acc.list?.push([name, value]);
  const prev = acc.headers[name];
  acc.headers[name] = prev === undefined ? value : `${prev},${value}`;
  return undefined;
}

export function buildRequest(input: RequestInput, resolveClientIp: ClientIpResolver, limits: RequestLimits = defaultRequestLimits): BuildResult {
  const method = input.method || '';
  if (!method) return { ok: false, code: 'request.malformed', reason: 'empty method' };

  // Only Envoy's raw header list keeps repeated headers apart; from the merged map the list is derived on demand.
  const acc: HeaderAcc = { headers: Object.create(null) as Record<string, string>, list: undefined, total: 0 };
  if (Array.isArray(input.headers)) {
    const raw = input.headers;
    if (raw.length > limits.maxHeaders) return tooMany(raw.length, limits);
    acc.list = [];
    for (let i = 0; i < raw.length; i++) {
      const bad = addHeader(acc, raw[i]![0], raw[i]![1], limits);
      if (bad) return bad;
    }
  } else {
    const map = input.headers;
    const names = Object.keys(map);
    if (names.length > limits.maxHeaders) return tooMany(names.length, limits);
    for (let i = 0; i < names.length; i++) {
      const bad = addHeader(acc, names[i]!, map[names[i]!]!, limits);
      if (bad) return bad;
    }
  }
  const { headers, list: headerList } = acc;

  const rawPath = input.path || headers[':path'] || '';
  if (!rawPath) return { ok: false, code: 'request.malformed', reason: 'empty path' };
  const q = rawPath.indexOf('?');
  const pathPart = q < 0 ? rawPath : rawPath.slice(0, q);
  const rawQuery = q < 0 ? '' : rawPath.slice(q + 1);
  const normalized = normalizePath(pathPart);
  if (!normalized.ok) return { ok: false, code: 'request.bad_path', reason: normalized.reason };

  const authority = input.authority || headers[':authority'] || headers['host'] || '';
  const host = authorityHost(authority);
  const peer = input.source?.address ?? '';
  const clientIp = resolveClientIp(peer, headers['x-forwarded-for']);
  const partial = headers['x-envoy-auth-partial-body'] === 'true';
  const contentTypeHeader = headers['content-type'] ?? '';
  const semi = contentTypeHeader.indexOf(';');
  const contentType = (semi < 0 ? contentTypeHeader : contentTypeHeader.slice(0, semi)).trim().toLowerCase();

  const req = new NormalizedRequest({
    id: newDecisionId(),
    time: input.time ?? Date.now(),
    method,
    rawPath,
    path: normalized.path,
    rawQuery,
    authority,
    host,
    scheme: input.scheme || headers[':scheme'] || '',
    protocol: input.protocol ?? '',
    headers,
    body: input.body && input.body.length > 0 ? input.body : undefined,
    bodyPartial: partial,
    clientIp,
    source: input.source,
    destination: input.destination,
    tls: input.tls ?? {},
    requestId: headers['x-request-id'] ?? '',
    traceparent: headers['traceparent'],
    contextExtensions: input.contextExtensions ?? {},
    contentType,
  }, headerList);
  return { ok: true, req };
}

function authorityHost(authority: string): string {
  const a = authority.toLowerCase();
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    return end < 0 ? a : a.slice(0, end + 1);
  }
  const colon = a.lastIndexOf(':');
  return colon < 0 ? a : a.slice(0, colon);
}

/**
 * The pairs of a header map. Object.entries takes V8's slow path on the map (a dictionary: its names are not
 * known in advance) and costs about three times as much as walking its keys.
 */
function headerPairs(headers: Readonly<Record<string, string>>): Array<readonly [string, string]> {
  const names = Object.keys(headers);
  const pairs = new Array<readonly [string, string]>(names.length);
  for (let i = 0; i < names.length; i++) pairs[i] = [names[i]!, headers[names[i]!]!];
  return pairs;
}

type Fields = Omit<AuthzRequest, 'query' | 'cookies' | 'jsonBody' | 'formBody' | 'headerList'>;

/** AuthzRequest with lazily parsed, memoized query, cookies and bodies. */
class NormalizedRequest implements AuthzRequest {
  declare readonly id: string;
  declare readonly time: number;
  declare readonly method: string;
  declare readonly rawPath: string;
  declare readonly path: string;
  declare readonly rawQuery: string;
  declare readonly authority: string;
  declare readonly host: string;
  declare readonly scheme: string;
  declare readonly protocol: string;
  declare readonly headers: Readonly<Record<string, string>>;
  declare readonly body: Buffer | undefined;
  declare readonly bodyPartial: boolean;
  declare readonly clientIp: string;
  declare readonly source: PeerAddress | undefined;
  declare readonly destination: PeerAddress | undefined;
  declare readonly tls: { readonly principal?: string; readonly sni?: string; readonly certificate?: string };
  declare readonly requestId: string;
  declare readonly traceparent: string | undefined;
  declare readonly contextExtensions: Readonly<Record<string, string>>;
  declare readonly contentType: string;
  #headerList: ReadonlyArray<readonly [string, string]> | undefined;
  #query?: Record<string, string[]>;
  #cookies?: Record<string, string>;
  #json?: JsonBodyResult;
  #form?: Record<string, string[]>;

  constructor(fields: Fields, headerList: ReadonlyArray<readonly [string, string]> | undefined) {
    Object.assign(this, fields);
    this.#headerList = headerList;
  }

  get headerList(): ReadonlyArray<readonly [string, string]> {
    return (this.#headerList ??= headerPairs(this.headers));
  }

  get query(): Readonly<Record<string, readonly string[]>> {
    return (this.#query ??= parseQueryString(this.rawQuery));
  }

  get cookies(): Readonly<Record<string, string>> {
    if (this.#cookies) return this.#cookies;
    const out: Record<string, string> = Object.create(null);
    const header = this.headers['cookie'];
    if (header) {
      for (const part of header.split(/;\s*/)) {
        const eq = part.indexOf('=');
        if (eq <= 0) continue;
        const name = part.slice(0, eq).trim();
        if (!(name in out)) out[name] = part.slice(eq + 1).trim();
      }
    }
    return (this.#cookies = out);
  }

  jsonBody(): JsonBodyResult {
    if (this.#json) return this.#json;
    if (!this.body) return (this.#json = { ok: false, error: 'no body' });
    try {
      return (this.#json = { ok: true, value: JSON.parse(this.body.toString('utf8')) });
    } catch (err) {
      return (this.#json = { ok: false, error: err instanceof Error ? err.message : 'invalid JSON' });
    }
  }

  formBody(): Readonly<Record<string, readonly string[]>> {
    return (this.#form ??= this.body ? parseQueryString(this.body.toString('utf8')) : Object.create(null));
  }
}
