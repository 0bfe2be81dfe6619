/**
 * The one place that knows the proto shapes of Envoy's messages (proto-loader object form: keepCase, longs as
 * Number, enums as String, no defaults, oneofs). Everything inside works on plain types: RequestInput in,
 * Verdict out; RlsRequest in, RlsResult out. Decoders never throw: hostile or truncated messages are answered
 * with a coded reason.
 */
import type { ErrorCode } from '../lib/errors.js';
import type { RequestInput } from '../pipeline/build-request.js';
import type { PeerAddress, Verdict } from '../pipeline/types.js';
import type { RateLimitUnit, RlsDescriptor, RlsRequest, RlsResult } from '../ratelimit/rls-types.js';
import { toStruct } from './struct.js';

export type DecodeCheckResult = { ok: true; input: RequestInput } | { ok: false; code: ErrorCode; reason: string };

// Messages arrive from grpc-js untyped; every read below is guarded.
type Msg = any;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function peer(p: Msg): PeerAddress | undefined {
  const sa = isObj(p) && isObj(p.address) ? p.address.socket_address : undefined;
  if (!isObj(sa) || typeof sa.address !== 'string' || sa.address === '') return undefined;
  const port = typeof sa.port_value === 'number' && Number.isInteger(sa.port_value) ? sa.port_value : 0;
  return { address: sa.address, port };
}

function timestampMs(t: Msg): number | undefined {
  if (!isObj(t)) return undefined;
  const seconds = typeof t.seconds === 'number' ? t.seconds : 0;
  const nanos = typeof t.nanos === 'number' ? t.nanos : 0;
  const ms = seconds * 1000 + Math.floor(nanos / 1e6);
  // A zero or absurd timestamp is "not sent": the pipeline then uses the time of receipt.
  return Number.isFinite(ms) && ms > 0 && ms < 8.64e15 ? ms : undefined;
}

function stringMap(m: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!isObj(m)) return out;
  for (const k of Object.keys(m)) {
    const v = m[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** Decodes a CheckRequest. Missing attributes, request, http or method are `request.malformed`. */
export function decodeCheckRequest(msg: Msg): DecodeCheckResult {
  const attrs = isObj(msg) ? msg.attributes : undefined;
  if (!isObj(attrs)) return { ok: false, code: 'request.malformed', reason: 'CheckRequest has no attributes' };
  const request = attrs.request;
  if (!isObj(request)) return { ok: false, code: 'request.malformed', reason: 'CheckRequest has no attributes.request' };
  const http = request.http;
  if (!isObj(http)) return { ok: false, code: 'request.malformed', reason: 'CheckRequest has no attributes.request.http' };
  const method = str(http.method);
  if (!method) return { ok: false, code: 'request.malformed', reason: 'CheckRequest has no HTTP method' };

  // encode_raw_headers=true fills header_map (raw bytes, duplicates kept, in order) and leaves the map empty.
  let headers: RequestInput['headers'];
  const raw = isObj(http.header_map) ? http.header_map.headers : undefined;
  if (Array.isArray(raw) && raw.length > 0) {
    const list: Array<[string, string | Buffer]> = [];
    for (const h of raw) {
      if (!isObj(h) || typeof h.key !== 'string') continue;
      const rv = h.raw_value;
      list.push([h.key, rv instanceof Uint8Array && rv.length > 0 ? toBuffer(rv) : str(h.value)]);
    }
    headers = list;
  } else {
    headers = stringMap(http.headers);
  }

  const input: RequestInput = { method, path: str(http.path), headers };
  const rawBody = http.raw_body;
  if (rawBody instanceof Uint8Array && rawBody.length > 0) input.body = toBuffer(rawBody);
  else if (typeof http.body === 'string' && http.body.length > 0) input.body = Buffer.from(http.body, 'utf8');
  if (http.host) input.authority = str(http.host);
  if (http.scheme) input.scheme = str(http.scheme);
  if (http.protocol) input.protocol = str(http.protocol);
  const source = peer(attrs.source);
  if (source) input.source = source;
  const destination = peer(attrs.destination);
  if (destination) input.destination = destination;
  const tls: NonNullable<RequestInput['tls']> = {};
  if (isObj(attrs.source)) {
    if (attrs.source.principal) tls.principal = str(attrs.source.principal);
    if (attrs.source.certificate) tls.certificate = str(attrs.source.certificate);
  }
  if (isObj(attrs.tls_session) && attrs.tls_session.sni) tls.sni = str(attrs.tls_session.sni);
  if (tls.principal || tls.certificate || tls.sni) input.tls = tls;
  if (isObj(attrs.context_extensions)) input.contextExtensions = stringMap(attrs.context_extensions);
  const time = timestampMs(request.time);
  if (time !== undefined) input.time = time;
  return { ok: true, input };
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

// ---------------------------------------------------------------------------------------------------------
// CheckResponse

/** google.rpc.Code for a denial, by HTTP status; Envoy only looks at "OK or not", this is for gRPC-aware readers. */
export function grpcCodeForStatus(status: number): number {
  switch (status) {
    case 400: return 3; // INVALID_ARGUMENT
    case 401: return 16; // UNAUTHENTICATED
    case 429: return 8; // RESOURCE_EXHAUSTED
    case 503: return 14; // UNAVAILABLE
    default: return 7; // PERMISSION_DENIED
  }
}

const HTTP_STATUS_NAMES: Readonly<Record<number, string>> = {
  100: 'Continue', 200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'NonAuthoritativeInformation', 204: 'NoContent',
  205: 'ResetContent', 206: 'PartialContent', 207: 'MultiStatus', 208: 'AlreadyReported', 226: 'IMUsed',
  300: 'MultipleChoices', 301: 'MovedPermanently', 302: 'Found', 303: 'SeeOther', 304: 'NotModified', 305: 'UseProxy',
  307: 'TemporaryRedirect', 308: 'PermanentRedirect',
  400: 'BadRequest', 401: 'Unauthorized', 402: 'PaymentRequired', 403: 'Forbidden', 404: 'NotFound',
  405: 'MethodNotAllowed', 406: 'NotAcceptable', 407: 'ProxyAuthenticationRequired', 408: 'RequestTimeout',
  409: 'Conflict', 410: 'Gone', 411: 'LengthRequired', 412: 'PreconditionFailed', 413: 'PayloadTooLarge',
  414: 'URITooLong', 415: 'UnsupportedMediaType', 416: 'RangeNotSatisfiable', 417: 'ExpectationFailed',
  421: 'MisdirectedRequest', 422: 'UnprocessableEntity', 423: 'Locked', 424: 'FailedDependency',
  426: 'UpgradeRequired', 428: 'PreconditionRequired', 429: 'TooManyRequests', 431: 'RequestHeaderFieldsTooLarge',
  500: 'InternalServerError', 501: 'NotImplemented', 502: 'BadGateway', 503: 'ServiceUnavailable',
  504: 'GatewayTimeout', 505: 'HTTPVersionNotSupported', 506: 'VariantAlsoNegotiates', 507: 'InsufficientStorage',
  508: 'LoopDetected', 510: 'NotExtended', 511: 'NetworkAuthenticationRequired',
};

/**
 * The envoy.type.v3.StatusCode name for a denial status. Numbers the enum lacks fall back to the nearest
 * meaning: 5xx -> ServiceUnavailable, anything else -> Forbidden (what Envoy itself answers for an unset status).
 */
export function httpStatusName(status: number): string {
  const name = HTTP_STATUS_NAMES[status];
  if (name) return name;
  return status >= 500 && status <= 599 ? 'ServiceUnavailable' : 'Forbidden';
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
// Envoy rejects (or with validate_mutations, 500s on) CR, LF and NUL in values; a check echoing attacker data
// into a header must not split it, so those bytes become spaces.
const BAD_VALUE_CHARS = /[\r\n\0]/g;

interface HeaderOption {
  header: { key: string; value: string };
  append: { value: boolean };
}

function headerOptions(headers: Record<string, string>, append: boolean | ((name: string) => boolean), out: HeaderOption[], names?: Set<string>): void {
  for (const rawName of Object.keys(headers)) {
    const key = rawName.toLowerCase();
    // Pseudo-headers and invalid names cannot be mutated by ext_authz; skip rather than have Envoy reject the answer.
    if (!HEADER_NAME.test(key)) continue;
    const v = headers[rawName];
    const value = typeof v === 'string' ? v.replace(BAD_VALUE_CHARS, ' ') : String(v);
    out.push({ header: { key, value }, append: { value: typeof append === 'function' ? append(key) : append } });
    names?.add(key);
  }
}

/** What the encoder needs to know about the request: which headers it already carries. */
export interface EncodeContext {
  headers?: Readonly<Record<string, string>>;
}

/**
 * Encodes a Verdict as a CheckResponse for grpc-js. Allow: status OK + ok_response; deny: a non-OK status +
 * denied_response with the HTTP status, headers and body. `append` is always explicit (Envoy <= 1.36 reads only
 * it; 1.37 briefly defaulted an unset one to appending). Envoy appends only to headers that exist, so when the
 * request's headers are known an append to an absent header is sent as a set, which creates it.
 */
export function encodeCheckResponse(v: Verdict, ctx?: EncodeContext): object {
  const metadata = v.metadata && Object.keys(v.metadata).length > 0 ? toStruct(v.metadata) : undefined;
  if (v.allow) {
    const headers: HeaderOption[] = [];
    const mutated = new Set<string>();
    headerOptions(v.setHeaders ?? {}, false, headers, mutated);
    const present = ctx?.headers;
    headerOptions(v.appendHeaders ?? {}, present ? (name) => present[name] !== undefined : true, headers, mutated);
    const responseHeaders: HeaderOption[] = [];
    headerOptions(v.responseHeaders ?? {}, false, responseHeaders);
    // Envoy removes after it sets: removing a header we also set would drop our own value.
    const remove = new Set<string>();
    for (const name of v.removeHeaders ?? []) {
      const key = String(name).toLowerCase();
      if (HEADER_NAME.test(key) && !mutated.has(key)) remove.add(key);
    }
    const ok: Record<string, unknown> = {};
    if (headers.length > 0) ok.headers = headers;
    if (remove.size > 0) ok.headers_to_remove = [...remove];
    if (responseHeaders.length > 0) ok.response_headers_to_add = responseHeaders;
    const res: Record<string, unknown> = { status: { code: 0 }, ok_response: ok };
    if (metadata) res.dynamic_metadata = metadata;
    return res;
  }
  const headers: HeaderOption[] = [];
  headerOptions(v.responseHeaders ?? {}, false, headers);
  const denied: Record<string, unknown> = { status: { code: httpStatusName(v.status) } };
  if (headers.length > 0) denied.headers = headers;
  if (typeof v.body === 'string' && v.body.length > 0) denied.body = v.body;
  const status: Record<string, unknown> = { code: grpcCodeForStatus(v.status) };
  if (v.code) status.message = String(v.code);
  const res: Record<string, unknown> = { status, denied_response: denied };
  if (metadata) res.dynamic_metadata = metadata;
  return res;
}

// ---------------------------------------------------------------------------------------------------------
// RateLimitService

// Envoy never sends more; beyond these a request is hostile or broken and costs CPU for nothing.
export const RLS_LIMITS = { maxDescriptors: 64, maxEntries: 32, maxStringBytes: 4096 } as const;

const DESCRIPTOR_UNITS: ReadonlySet<string> = new Set(['SECOND', 'MINUTE', 'HOUR', 'DAY', 'MONTH', 'YEAR']);

export type DecodeRlsResult = { ok: true; req: RlsRequest } | { ok: false; reason: string };

/** Decodes a RateLimitRequest; like envoyproxy/ratelimit, an empty domain or descriptor list is refused. */
export function decodeRateLimitRequest(msg: Msg): DecodeRlsResult {
  if (!isObj(msg)) return { ok: false, reason: 'not a RateLimitRequest' };
  const domain = str(msg.domain);
  if (!domain) return { ok: false, reason: 'rate limit domain must not be empty' };
  if (domain.length > RLS_LIMITS.maxStringBytes) return { ok: false, reason: 'rate limit domain too long' };
  const list = msg.descriptors;
  if (!Array.isArray(list) || list.length === 0) return { ok: false, reason: 'rate limit descriptor list must not be empty' };
  if (list.length > RLS_LIMITS.maxDescriptors) return { ok: false, reason: `more than ${RLS_LIMITS.maxDescriptors} descriptors` };
  const descriptors: RlsDescriptor[] = [];
  for (let i = 0; i < list.length; i++) {
    const d = list[i];
    const rawEntries = isObj(d) ? d.entries : undefined;
    if (!Array.isArray(rawEntries) || rawEntries.length === 0) return { ok: false, reason: `descriptor ${i} has no entries` };
    if (rawEntries.length > RLS_LIMITS.maxEntries) return { ok: false, reason: `descriptor ${i} has more than ${RLS_LIMITS.maxEntries} entries` };
    const entries: RlsDescriptor['entries'] = [];
    for (const e of rawEntries) {
      const key = isObj(e) ? str(e.key) : '';
      const value = isObj(e) ? str(e.value) : '';
      if (key.length > RLS_LIMITS.maxStringBytes || value.length > RLS_LIMITS.maxStringBytes) return { ok: false, reason: `descriptor ${i} has an entry too long` };
      entries.push({ key, value });
    }
    const desc: RlsDescriptor = { entries };
    if (isObj(d.limit)) {
      const rpu = d.limit.requests_per_unit;
      const unit = typeof d.limit.unit === 'string' && DESCRIPTOR_UNITS.has(d.limit.unit) ? (d.limit.unit as RateLimitUnit) : 'UNKNOWN';
      desc.limit = { requestsPerUnit: typeof rpu === 'number' && rpu >= 0 ? rpu : 0, unit };
    }
    if (isObj(d.hits_addend)) {
      const value = d.hits_addend.value;
      desc.hitsAddend = typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
    }
    descriptors.push(desc);
  }
  const hits = msg.hits_addend;
  return { ok: true, req: { domain, descriptors, hitsAddend: typeof hits === 'number' && hits >= 0 ? hits : 0 } };
}

const UINT32_MAX = 0xffffffff;
const u32 = (n: number): number => (Number.isFinite(n) ? Math.min(UINT32_MAX, Math.max(0, Math.floor(n))) : 0);

function duration(seconds: number): { seconds: number; nanos?: number } {
  if (!Number.isFinite(seconds) || seconds <= 0) return { seconds: 0 };
  const whole = Math.floor(seconds);
  const nanos = Math.round((seconds - whole) * 1e9) % 1e9;
  return nanos > 0 ? { seconds: whole, nanos } : { seconds: whole };
}

function headerValues(list: Array<[string, string]> | undefined): Array<{ key: string; value: string }> | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Array<{ key: string; value: string }> = [];
  for (const [name, value] of list) {
    const key = String(name).toLowerCase();
    if (!HEADER_NAME.test(key)) continue;
    out.push({ key, value: String(value).replace(BAD_VALUE_CHARS, ' ') });
  }
  return out.length > 0 ? out : undefined;
}

/** Encodes a RateLimitResponse; overall_code is always explicit (Envoy reads UNKNOWN as OK, but only by accident). */
export function encodeRateLimitResponse(r: Extract<RlsResult, { kind: 'response' }>): object {
  const statuses = r.statuses.map((s) => {
    const out: Record<string, unknown> = { code: s.code, limit_remaining: u32(s.limitRemaining) };
    if (s.currentLimit) {
      const limit: Record<string, unknown> = { requests_per_unit: u32(s.currentLimit.requestsPerUnit), unit: s.currentLimit.unit };
      if (s.currentLimit.name) limit.name = s.currentLimit.name;
      out.current_limit = limit;
    }
    out.duration_until_reset = duration(s.durationUntilResetSeconds);
    return out;
  });
  const res: Record<string, unknown> = { overall_code: r.overallCode === 'OVER_LIMIT' ? 'OVER_LIMIT' : 'OK', statuses };
  const response = headerValues(r.responseHeadersToAdd);
  if (response) res.response_headers_to_add = response;
  const request = headerValues(r.requestHeadersToAdd);
  if (request) res.request_headers_to_add = request;
  return res;
}

