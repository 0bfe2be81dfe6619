import { describe, expect, it } from 'vitest';
import {
  RLS_LIMITS, decodeCheckRequest, decodeRateLimitRequest, encodeCheckResponse, encodeRateLimitResponse, grpcCodeForStatus, httpStatusName,
} from '../../../src/grpc/codec.js';
import { buildRequest } from '../../../src/pipeline/build-request.js';
import type { Verdict } from '../../../src/pipeline/types.js';

const http = (over: Record<string, unknown> = {}) => ({ attributes: { request: { http: { method: 'GET', path: '/x', headers: { ':path': '/x' }, ...over } } } });

function verdict(over: Partial<Verdict>): Verdict {
  return { allow: true, status: 200, setHeaders: {}, appendHeaders: {}, removeHeaders: [], responseHeaders: {}, metadata: {}, route: '', checks: [], degraded: [], ...over };
}

describe('decodeCheckRequest: malformed messages are coded, never thrown', () => {
  const cases: Array<[string, unknown]> = [
    ['null', null],
    ['a string', 'CheckRequest'],
    ['no attributes', {}],
    ['attributes not an object', { attributes: 7 }],
    ['no request', { attributes: { source: {} } }],
    ['no http', { attributes: { request: { time: { seconds: 1 } } } }],
    ['no method', { attributes: { request: { http: { path: '/' } } } }],
    ['method not a string', { attributes: { request: { http: { method: 5, path: '/' } } } }],
  ];
  for (const [name, msg] of cases) {
    it(name, () => {
      const r = decodeCheckRequest(msg);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.code).toBe('request.malformed');
        expect(r.reason).toMatch(/CheckRequest/);
      }
    });
  }
});

describe('decodeCheckRequest: mappings', () => {
  it('prefers a non-empty header_map over the map; falls back to value when raw_value is empty', () => {
    const r = decodeCheckRequest(http({ headers: { a: 'map' }, header_map: { headers: [{ key: 'a', value: 'str' }, { key: 'b', raw_value: Buffer.from('raw') }, { nokey: 1 }] } }));
    expect(r.ok && r.input.headers).toEqual([['a', 'str'], ['b', Buffer.from('raw')]]);
  });

  it('uses the headers map when header_map is empty, dropping non-string values', () => {
    const r = decodeCheckRequest(http({ headers: { a: '1', b: 2 }, header_map: { headers: [] } }));
    expect(r.ok && r.input.headers).toEqual({ a: '1' });
  });

  it('missing headers decode as an empty map', () => {
    const r = decodeCheckRequest({ attributes: { request: { http: { method: 'GET', path: '/' } } } });
    expect(r.ok && r.input.headers).toEqual({});
  });

  it('raw_body wins over body; body alone is UTF-8; empty bodies are no body', () => {
    let r = decodeCheckRequest(http({ raw_body: Buffer.from([0, 1, 2]), body: 'ignored' }));
    expect(r.ok && [...r.input.body!]).toEqual([0, 1, 2]);
    r = decodeCheckRequest(http({ body: 'h\u00e9' }));
    expect(r.ok && r.input.body!.toString('hex')).toBe('68c3a9');
    r = decodeCheckRequest(http({ raw_body: Buffer.alloc(0), body: '' }));
    expect(r.ok && r.input.body).toBeUndefined();
  });

  it('a Uint8Array raw_body (not a Buffer) still decodes', () => {
    const r = decodeCheckRequest(http({ raw_body: new Uint8Array([104, 105]) }));
    expect(r.ok && Buffer.isBuffer(r.input.body) && r.input.body.toString()).toBe('hi');
  });

  it('request.time becomes epoch ms; absent, zero or absurd times are left out', () => {
    const at = (time: unknown) => decodeCheckRequest({ attributes: { request: { time, http: { method: 'GET', path: '/' } } } });
    const ok = at({ seconds: 1_700_000_000, nanos: 999_999_999 });
    expect(ok.ok && ok.input.time).toBe(1_700_000_000_999);
    for (const t of [undefined, {}, { seconds: 0 }, { seconds: -5 }, { seconds: 1e300 }, 'now']) {
      const r = at(t);
      expect(r.ok && r.input.time).toBeUndefined();
    }
  });

  it('peers need a socket address; a pipe or an empty address is no peer', () => {
    const r = decodeCheckRequest({ attributes: {
      source: { address: { pipe: { path: '/s' } }, principal: 'p' },
      destination: { address: { socket_address: { address: '10.0.0.1' } } },
      request: { http: { method: 'GET', path: '/' } },
    } });
    expect(r.ok && r.input.source).toBeUndefined();
    expect(r.ok && r.input.destination).toEqual({ address: '10.0.0.1', port: 0 });
    expect(r.ok && r.input.tls).toEqual({ principal: 'p' });
  });

  it('no TLS facts means no tls object; host, scheme, protocol and context extensions are passed through', () => {
    const r = decodeCheckRequest({ attributes: { context_extensions: { a: 'b', n: 1 }, request: { http: { method: 'PUT', path: '/p', host: 'h:8', scheme: 'http', protocol: 'HTTP/1.0' } } } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.input.tls).toBeUndefined();
    expect(r.input.authority).toBe('h:8');
    expect(r.input.scheme).toBe('http');
    expect(r.input.protocol).toBe('HTTP/1.0');
    expect(r.input.contextExtensions).toEqual({ a: 'b' });
  });

  it('its output builds a normalized request', () => {
    const r = decodeCheckRequest(http({ headers: { ':path': '/a/../b?q=1', 'X-Request-Id': 'r1' }, path: '/a/../b?q=1', host: 'API.example.com:443' }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const built = buildRequest(r.input, (peer) => peer);
    expect(built.ok && built.req.path).toBe('/b');
    expect(built.ok && built.req.host).toBe('api.example.com');
    expect(built.ok && built.req.requestId).toBe('r1');
  });
});

describe('encodeCheckResponse', () => {
  it('allow without mutations is just status OK and an empty ok_response', () => {
    expect(encodeCheckResponse(verdict({}))).toEqual({ status: { code: 0 }, ok_response: {} });
  });

  it('lower-cases keys, always sets append, keeps value in `value`, skips pseudo and invalid names', () => {
    const res: any = encodeCheckResponse(verdict({ setHeaders: { 'X-A': '1', ':path': '/evil', 'bad name': 'x' }, appendHeaders: { 'X-B': '2' }, responseHeaders: { 'X-C': '3' } }));
    expect(res.ok_response.headers).toEqual([
      { header: { key: 'x-a', value: '1' }, append: { value: false } },
      { header: { key: 'x-b', value: '2' }, append: { value: true } },
    ]);
    expect(res.ok_response.response_headers_to_add).toEqual([{ header: { key: 'x-c', value: '3' }, append: { value: false } }]);
  });

  it('CR, LF and NUL in values cannot split a header', () => {
    const res: any = encodeCheckResponse(verdict({ setHeaders: { 'x-user': 'alice\r\nx-admin: 1\0' } }));
    expect(res.ok_response.headers[0].header.value).toBe('alice  x-admin: 1 ');
  });

  it('never removes a header it sets or appends; dedupes and lower-cases removals', () => {
    const res: any = encodeCheckResponse(verdict({ setHeaders: { 'x-user-id': 'a' }, appendHeaders: { 'x-t': 'b' }, removeHeaders: ['X-User-Id', 'x-t', 'Authorization', 'authorization', 'x-roles', ':path'] }));
    expect(res.ok_response.headers_to_remove).toEqual(['authorization', 'x-roles']);
  });

  it('with the request headers known, an append to an absent header is sent as a set (Envoy would drop it)', () => {
    const res: any = encodeCheckResponse(verdict({ appendHeaders: { 'x-present': 'a', 'x-absent': 'b' } }), { headers: { 'x-present': 'v' } });
    expect(res.ok_response.headers.map((h: any) => [h.header.key, h.append.value])).toEqual([['x-present', true], ['x-absent', false]]);
  });

  it('metadata becomes dynamic_metadata; empty metadata is left out', () => {
    const res: any = encodeCheckResponse(verdict({ metadata: { decision_id: 'd', nested: { a: [true, null] } } }));
    expect(res.dynamic_metadata).toEqual({ fields: {
      decision_id: { stringValue: 'd' },
      nested: { structValue: { fields: { a: { listValue: { values: [{ boolValue: true }, { nullValue: 'NULL_VALUE' }] } } } } },
    } });
    expect(encodeCheckResponse(verdict({})) ).not.toHaveProperty('dynamic_metadata');
  });

  it('deny: gRPC code by status, HttpStatus name, headers with append false, body, code in status.message', () => {
    const res: any = encodeCheckResponse(verdict({ allow: false, status: 401, code: 'jwt.expired', responseHeaders: { 'WWW-Authenticate': 'Bearer' }, body: '{"error":"jwt.expired"}' }));
    expect(res).toEqual({
      status: { code: 16, message: 'jwt.expired' },
      denied_response: { status: { code: 'Unauthorized' }, headers: [{ header: { key: 'www-authenticate', value: 'Bearer' }, append: { value: false } }], body: '{"error":"jwt.expired"}' },
    });
    expect(res).not.toHaveProperty('ok_response');
  });

  it('deny ignores request-header mutations', () => {
    const res: any = encodeCheckResponse(verdict({ allow: false, status: 403, setHeaders: { 'x-a': '1' }, removeHeaders: ['x-b'] }));
    expect(res.denied_response).toEqual({ status: { code: 'Forbidden' } });
  });

  it('gRPC status codes for denials', () => {
    expect([400, 401, 403, 404, 429, 503, 500, 413].map(grpcCodeForStatus)).toEqual([3, 16, 7, 7, 8, 14, 7, 7]);
  });

  it('HTTP status names, with sensible fallbacks for numbers the enum lacks', () => {
    expect(httpStatusName(404)).toBe('NotFound');
    expect(httpStatusName(226)).toBe('IMUsed');
    expect(httpStatusName(505)).toBe('HTTPVersionNotSupported');
    expect(httpStatusName(431)).toBe('RequestHeaderFieldsTooLarge');
    expect(httpStatusName(418)).toBe('Forbidden');
    expect(httpStatusName(599)).toBe('ServiceUnavailable');
    expect(httpStatusName(0)).toBe('Forbidden');
    expect(httpStatusName(NaN)).toBe('Forbidden');
  });
});

describe('decodeRateLimitRequest', () => {
  const entry = { entries: [{ key: 'k', value: 'v' }] };
  const bad: Array<[string, unknown, RegExp]> = [
    ['not an object', 3, /not a RateLimitRequest/],
    ['empty domain', { descriptors: [entry] }, /domain must not be empty/],
    ['no descriptors', { domain: 'd' }, /descriptor list must not be empty/],
    ['empty descriptors', { domain: 'd', descriptors: [] }, /descriptor list must not be empty/],
    ['a descriptor without entries', { domain: 'd', descriptors: [entry, {}] }, /descriptor 1 has no entries/],
    ['too many descriptors', { domain: 'd', descriptors: Array(RLS_LIMITS.maxDescriptors + 1).fill(entry) }, /more than/],
    ['too many entries', { domain: 'd', descriptors: [{ entries: Array(RLS_LIMITS.maxEntries + 1).fill({ key: 'k', value: 'v' }) }] }, /more than/],
    ['an entry too long', { domain: 'd', descriptors: [{ entries: [{ key: 'k', value: 'x'.repeat(RLS_LIMITS.maxStringBytes + 1) }] }] }, /too long/],
    ['a domain too long', { domain: 'd'.repeat(RLS_LIMITS.maxStringBytes + 1), descriptors: [entry] }, /too long/],
  ];
  for (const [name, msg, reason] of bad) {
    it(`refuses ${name}`, () => {
      const r = decodeRateLimitRequest(msg);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    });
  }

  it('maps limit overrides; unknown units become UNKNOWN; missing values default', () => {
    const r = decodeRateLimitRequest({ domain: 'd', descriptors: [
      { entries: [{ key: 'a' }], limit: { requests_per_unit: 7, unit: 'DAY' } },
      { entries: [{ key: 'b', value: 'v' }], limit: { unit: 9 } },
      { entries: [{ key: 'c', value: 'v' }], limit: { requests_per_unit: 1, unit: 'WEEK' } },
    ] });
    expect(r.ok && r.req.descriptors.map((d) => d.limit)).toEqual([
      { requestsPerUnit: 7, unit: 'DAY' }, { requestsPerUnit: 0, unit: 'UNKNOWN' }, { requestsPerUnit: 1, unit: 'UNKNOWN' },
    ]);
    expect(r.ok && r.req.descriptors[0]!.entries).toEqual([{ key: 'a', value: '' }]);
  });
});

describe('encodeRateLimitResponse', () => {
  it('omits current_limit when absent, clamps remaining to uint32, splits fractional reset into nanos', () => {
    const res: any = encodeRateLimitResponse({ kind: 'response', overallCode: 'OK', statuses: [
      { code: 'OK', limitRemaining: -3, durationUntilResetSeconds: -1 },
      { code: 'OK', currentLimit: { requestsPerUnit: 2 ** 40, unit: 'MINUTE' }, limitRemaining: 2 ** 40, durationUntilResetSeconds: 0.25 },
    ] });
    expect(res).toEqual({ overall_code: 'OK', statuses: [
      { code: 'OK', limit_remaining: 0, duration_until_reset: { seconds: 0 } },
      { code: 'OK', current_limit: { requests_per_unit: 0xffffffff, unit: 'MINUTE' }, limit_remaining: 0xffffffff, duration_until_reset: { seconds: 0, nanos: 250_000_000 } },
    ] });
  });

  it('header lists become lower-cased HeaderValues; invalid names are dropped; empty lists are left out', () => {
    const res: any = encodeRateLimitResponse({ kind: 'response', overallCode: 'OVER_LIMIT', statuses: [], responseHeadersToAdd: [['Retry-After', '3'], ['bad name', 'x']], requestHeadersToAdd: [] });
    expect(res).toEqual({ overall_code: 'OVER_LIMIT', statuses: [], response_headers_to_add: [{ key: 'retry-after', value: '3' }] });
  });
});
