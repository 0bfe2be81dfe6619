/**
 * Serializers for the two responses sent on every call (CheckResponse, RateLimitResponse), writing the object
 * form the codec produces straight to bytes. proto-loader's generic path first builds a message object per
 * field (fromObject), then encodes it; for a typical allow with metadata that costs about twice the CPU.
 * Strings are written as well-formed UTF-8 (a lone surrogate becomes U+FFFD), which a proto3 parser requires.
 * Output is byte-identical to the generic path (a test holds them together); any shape the fast path does not
 * know falls back to the generic serializer, so it can never lose a field.
 */
import { PbWriter } from './pb-writer.js';

/** Thrown inside the fast path when the object has a shape it does not handle. */
class Unsupported extends Error {}
const unsupported = new Unsupported();

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function only(o: Obj, allowed: ReadonlySet<string>): void {
  for (const k in o) if (!allowed.has(k) && o[k] != null) throw unsupported;
}

function str(v: unknown): string {
  if (typeof v !== 'string') throw unsupported;
  return v;
}

function int(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw unsupported;
  return v;
}

function uint(v: unknown, max = 0xffffffff): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw unsupported;
  return v;
}

function enumValue(v: unknown, names: Readonly<Record<string, number>>): number {
  if (typeof v === 'string') {
    const n = names[v];
    if (n === undefined) throw unsupported;
    return n;
  }
  return int(v);
}

// ---------------------------------------------------------------------------------------------------------
// google.protobuf.Struct / Value / ListValue (protobufjs' bundled definitions: camelCase names)

const VALUE_KEYS = new Set(['nullValue', 'numberValue', 'stringValue', 'boolValue', 'structValue', 'listValue', 'kind']);
const MAX_DEPTH = 64;

function writeStruct(w: PbWriter, s: unknown, depth: number): void {
  if (!isObj(s) || depth > MAX_DEPTH) throw unsupported;
  only(s, FIELDS_KEY);
  const fields = s.fields;
  if (fields == null) return;
  if (!isObj(fields)) throw unsupported;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (!isObj(value)) throw unsupported;
    const entry = w.begin(1);
    w.stringField(1, key);
    const v = w.begin(2);
    writeValue(w, value, depth + 1);
    w.end(v);
    w.end(entry);
  }
}
const FIELDS_KEY = new Set(['fields']);

function writeValue(w: PbWriter, v: Obj, depth: number): void {
  if (depth > MAX_DEPTH) throw unsupported;
  only(v, VALUE_KEYS);
  if (v.nullValue != null) {
    if (v.nullValue !== 'NULL_VALUE' && v.nullValue !== 0) throw unsupported;
    w.uintField(1, 0);
  }
  if (v.numberValue != null) {
    if (typeof v.numberValue !== 'number') throw unsupported;
    w.doubleField(2, v.numberValue);
  }
  if (v.stringValue != null) w.stringField(3, str(v.stringValue));
  if (v.boolValue != null) {
    if (typeof v.boolValue !== 'boolean') throw unsupported;
    w.boolField(4, v.boolValue);
  }
  if (v.structValue != null) {
    const at = w.begin(5);
    writeStruct(w, v.structValue, depth + 1);
    w.end(at);
  }
  if (v.listValue != null) {
    const list = v.listValue;
    if (!isObj(list)) throw unsupported;
    only(list, VALUES_KEY);
    const at = w.begin(6);
    if (list.values != null) {
      if (!Array.isArray(list.values)) throw unsupported;
      for (const item of list.values) {
        if (!isObj(item)) throw unsupported;
        const i = w.begin(1);
        writeValue(w, item, depth + 1);
        w.end(i);
      }
    }
    w.end(at);
  }
}
const VALUES_KEY = new Set(['values']);

// ---------------------------------------------------------------------------------------------------------
// CheckResponse

const HTTP_STATUS_CODES: Readonly<Record<string, number>> = {
  Empty: 0, Continue: 100, OK: 200, Created: 201, Accepted: 202, NonAuthoritativeInformation: 203, NoContent: 204,
  ResetContent: 205, PartialContent: 206, MultiStatus: 207, AlreadyReported: 208, IMUsed: 226, MultipleChoices: 300,
  MovedPermanently: 301, Found: 302, SeeOther: 303, NotModified: 304, UseProxy: 305, TemporaryRedirect: 307,
  PermanentRedirect: 308, BadRequest: 400, Unauthorized: 401, PaymentRequired: 402, Forbidden: 403, NotFound: 404,
  MethodNotAllowed: 405, NotAcceptable: 406, ProxyAuthenticationRequired: 407, RequestTimeout: 408, Conflict: 409,
  Gone: 410, LengthRequired: 411, PreconditionFailed: 412, PayloadTooLarge: 413, URITooLong: 414,
  UnsupportedMediaType: 415, RangeNotSatisfiable: 416, ExpectationFailed: 417, MisdirectedRequest: 421,
  UnprocessableEntity: 422, Locked: 423, FailedDependency: 424, UpgradeRequired: 426, PreconditionRequired: 428,
  TooManyRequests: 429, RequestHeaderFieldsTooLarge: 431, InternalServerError: 500, NotImplemented: 501,
  BadGateway: 502, ServiceUnavailable: 503, GatewayTimeout: 504, HTTPVersionNotSupported: 505,
  VariantAlsoNegotiates: 506, InsufficientStorage: 507, LoopDetected: 508, NotExtended: 510,
  NetworkAuthenticationRequired: 511,
};

const CHECK_RESPONSE_KEYS = new Set(['status', 'denied_response', 'ok_response', 'error_response', 'dynamic_metadata', 'http_response']);
const RPC_STATUS_KEYS = new Set(['code', 'message']);
const DENIED_KEYS = new Set(['status', 'headers', 'body']);
const OK_KEYS = new Set(['headers', 'headers_to_remove', 'response_headers_to_add']);
const OPTION_KEYS = new Set(['header', 'append']);
const HEADER_VALUE_KEYS = new Set(['key', 'value']);
const CODE_KEY = new Set(['code']);
const BOOL_VALUE_KEY = new Set(['value']);

function writeHeaderValue(w: PbWriter, h: unknown): void {
  if (!isObj(h)) throw unsupported;
  only(h, HEADER_VALUE_KEYS);
  if (h.key != null) w.stringField(1, str(h.key));
  if (h.value != null) w.stringField(2, str(h.value));
}

function writeOptions(w: PbWriter, field: number, list: unknown): void {
  if (list == null) return;
  if (!Array.isArray(list)) throw unsupported;
  for (const o of list) {
    if (!isObj(o)) throw unsupported;
    only(o, OPTION_KEYS);
    const at = w.begin(field);
    if (o.header != null) {
      const h = w.begin(1);
      writeHeaderValue(w, o.header);
      w.end(h);
    }
    if (o.append != null) {
      if (!isObj(o.append)) throw unsupported;
      only(o.append, BOOL_VALUE_KEY);
      const a = w.begin(2);
      if (o.append.value != null) {
        if (typeof o.append.value !== 'boolean') throw unsupported;
        w.boolField(1, o.append.value);
      }
      w.end(a);
    }
    w.end(at);
  }
}

function writeDenied(w: PbWriter, field: number, d: unknown): void {
  if (!isObj(d)) throw unsupported;
  only(d, DENIED_KEYS);
  const at = w.begin(field);
  if (d.status != null) {
    if (!isObj(d.status)) throw unsupported;
    only(d.status, CODE_KEY);
    const s = w.begin(1);
    if (d.status.code != null) w.intField(1, enumValue(d.status.code, HTTP_STATUS_CODES));
    w.end(s);
  }
  writeOptions(w, 2, d.headers);
  if (d.body != null) w.stringField(3, str(d.body));
  w.end(at);
}

function writeCheckResponse(w: PbWriter, r: unknown): void {
  if (!isObj(r)) throw unsupported;
  only(r, CHECK_RESPONSE_KEYS);
  if (r.status != null) {
    if (!isObj(r.status)) throw unsupported;
    only(r.status, RPC_STATUS_KEYS);
    const at = w.begin(1);
    if (r.status.code != null) w.intField(1, int(r.status.code));
    if (r.status.message != null) w.stringField(2, str(r.status.message));
    w.end(at);
  }
  if (r.denied_response != null) writeDenied(w, 2, r.denied_response);
  if (r.ok_response != null) {
    const ok = r.ok_response;
    if (!isObj(ok)) throw unsupported;
    only(ok, OK_KEYS);
    const at = w.begin(3);
    writeOptions(w, 2, ok.headers);
    if (ok.headers_to_remove != null) {
      if (!Array.isArray(ok.headers_to_remove)) throw unsupported;
      for (const name of ok.headers_to_remove) w.stringField(5, str(name));
    }
    writeOptions(w, 6, ok.response_headers_to_add);
    w.end(at);
  }
  if (r.dynamic_metadata != null) {
    const at = w.begin(4);
    writeStruct(w, r.dynamic_metadata, 0);
    w.end(at);
  }
  if (r.error_response != null) writeDenied(w, 5, r.error_response);
}

// ---------------------------------------------------------------------------------------------------------
// RateLimitResponse

const RLS_CODES: Readonly<Record<string, number>> = { UNKNOWN: 0, OK: 1, OVER_LIMIT: 2 };
const RLS_UNITS: Readonly<Record<string, number>> = { UNKNOWN: 0, SECOND: 1, MINUTE: 2, HOUR: 3, DAY: 4, MONTH: 5, YEAR: 6, WEEK: 7 };
const RLS_RESPONSE_KEYS = new Set(['overall_code', 'statuses', 'response_headers_to_add', 'request_headers_to_add']);
const STATUS_KEYS = new Set(['code', 'current_limit', 'limit_remaining', 'duration_until_reset']);
const LIMIT_KEYS = new Set(['requests_per_unit', 'unit', 'name']);
const DURATION_KEYS = new Set(['seconds', 'nanos']);

function writeHeaderValues(w: PbWriter, field: number, list: unknown): void {
  if (list == null) return;
  if (!Array.isArray(list)) throw unsupported;
  for (const h of list) {
    const at = w.begin(field);
    writeHeaderValue(w, h);
    w.end(at);
  }
}

function writeRateLimitResponse(w: PbWriter, r: unknown): void {
  if (!isObj(r)) throw unsupported;
  only(r, RLS_RESPONSE_KEYS);
  if (r.overall_code != null) w.intField(1, enumValue(r.overall_code, RLS_CODES));
  if (r.statuses != null) {
    if (!Array.isArray(r.statuses)) throw unsupported;
    for (const s of r.statuses) {
      if (!isObj(s)) throw unsupported;
      only(s, STATUS_KEYS);
      const at = w.begin(2);
      if (s.code != null) w.intField(1, enumValue(s.code, RLS_CODES));
      if (s.current_limit != null) {
        const l = s.current_limit;
        if (!isObj(l)) throw unsupported;
        only(l, LIMIT_KEYS);
        const lat = w.begin(2);
        if (l.requests_per_unit != null) w.uintField(1, uint(l.requests_per_unit));
        if (l.unit != null) w.intField(2, enumValue(l.unit, RLS_UNITS));
        if (l.name != null) w.stringField(3, str(l.name));
        w.end(lat);
      }
      if (s.limit_remaining != null) w.uintField(3, uint(s.limit_remaining));
      if (s.duration_until_reset != null) {
        const d = s.duration_until_reset;
        if (!isObj(d)) throw unsupported;
        only(d, DURATION_KEYS);
        const dat = w.begin(4);
        if (d.seconds != null) w.uintField(1, uint(d.seconds, Number.MAX_SAFE_INTEGER));
        if (d.nanos != null) w.intField(2, int(d.nanos));
        w.end(dat);
      }
      w.end(at);
    }
  }
  writeHeaderValues(w, 3, r.response_headers_to_add);
  writeHeaderValues(w, 4, r.request_headers_to_add);
}

// ---------------------------------------------------------------------------------------------------------

export type Serializer = (value: unknown) => Buffer;

function withFallback(write: (w: PbWriter, value: unknown) => void, generic: Serializer): Serializer {
  return (value) => {
    const w = new PbWriter();
    try {
      write(w, value);
    } catch (err) {
      if (err === unsupported) return generic(value);
      throw err;
    }
    return w.finish();
  };
}

export function fastCheckResponseSerializer(generic: Serializer): Serializer {
  return withFallback(writeCheckResponse, generic);
}

export function fastRateLimitResponseSerializer(generic: Serializer): Serializer {
  return withFallback(writeRateLimitResponse, generic);
}
