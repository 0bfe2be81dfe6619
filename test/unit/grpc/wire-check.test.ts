/**
 * Wire compatibility of Authorization/Check: our protos against Envoy's real definitions, both directions,
 * and hand-built bytes for what the oracle's snapshot lacks (error_response = 5).
 */
import { describe, expect, it } from 'vitest';
import { decodeCheckRequest, encodeCheckResponse } from '../../../src/grpc/codec.js';
import { loadGrpcDefinitions } from '../../../src/grpc/protos.js';
import type { Verdict } from '../../../src/pipeline/types.js';
import { envoyServices, pb } from './envoy-defs.js';

const ours = loadGrpcDefinitions().authorization.Check;
const envoy = envoyServices().authorization.Check;

const fullRequest = {
  attributes: {
    source: {
      address: { socket_address: { address: '203.0.113.9', port_value: 40123 } },
      principal: 'spiffe://example.org/client',
      certificate: '-----BEGIN%20CERTIFICATE-----%0AMIIB',
      service: 'edge',
      labels: { zone: 'a' },
    },
    destination: { address: { socket_address: { address: '10.0.0.5', port_value: 8443 } }, principal: 'server' },
    request: {
      time: { seconds: 1_760_000_000, nanos: 123_456_789 },
      http: {
        id: '987654321',
        method: 'POST',
        headers: { ':authority': 'api.example.com', ':path': '/api/users?x=1', 'x-request-id': 'rid-1', 'content-type': 'application/json' },
        path: '/api/users?x=1',
        host: 'api.example.com',
        scheme: 'https',
        size: 17,
        protocol: 'HTTP/2',
        raw_body: Buffer.from('{"name":"\u00e9ve"}\u0000'),
      },
    },
    context_extensions: { virtual_host: 'api', tier: 'gold' },
    metadata_context: { filter_metadata: { 'envoy.filters.http.jwt_authn': { fields: { sub: { stringValue: 'alice' } } } } },
    route_metadata_context: { filter_metadata: { r: { fields: { n: { numberValue: 2 } } } } },
    tls_session: { sni: 'api.example.com' },
  },
};

const rawHeaderRequest = {
  attributes: {
    source: { address: { socket_address: { address: '2001:db8::1', port_value: 5555 } } },
    request: {
      http: {
        method: 'GET',
        path: '/a',
        header_map: {
          headers: [
            { key: ':path', raw_value: Buffer.from('/a') },
            { key: 'cookie', raw_value: Buffer.from('a=1') },
            { key: 'cookie', raw_value: Buffer.from('b=2') },
            { key: 'x-bin', raw_value: Buffer.from([0xc3, 0xa9]) },
          ],
        },
        body: 'plain body',
      },
    },
  },
};

describe('CheckRequest: Envoy-encoded bytes decode with our protos', () => {
  it('carries every field the codec reads (headers map, raw_body, peers, TLS, extensions, time)', () => {
    const bytes = envoy.requestSerialize(fullRequest);
    const decoded = decodeCheckRequest(ours.requestDeserialize(bytes));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const input = decoded.input;
    expect(input.method).toBe('POST');
    expect(input.path).toBe('/api/users?x=1');
    expect(input.headers).toEqual(fullRequest.attributes.request.http.headers);
    expect(input.body?.equals(fullRequest.attributes.request.http.raw_body)).toBe(true);
    expect(input.authority).toBe('api.example.com');
    expect(input.scheme).toBe('https');
    expect(input.protocol).toBe('HTTP/2');
    expect(input.source).toEqual({ address: '203.0.113.9', port: 40123 });
    expect(input.destination).toEqual({ address: '10.0.0.5', port: 8443 });
    expect(input.tls).toEqual({ principal: 'spiffe://example.org/client', certificate: '-----BEGIN%20CERTIFICATE-----%0AMIIB', sni: 'api.example.com' });
    expect(input.contextExtensions).toEqual({ virtual_host: 'api', tier: 'gold' });
    expect(input.time).toBe(1_760_000_000_123);
  });

  it('keeps header_map raw values in order, duplicates unmerged, and reads the string body', () => {
    const bytes = envoy.requestSerialize(rawHeaderRequest);
    const decoded = decodeCheckRequest(ours.requestDeserialize(bytes));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const list = decoded.input.headers as Array<[string, string | Buffer]>;
    expect(Array.isArray(list)).toBe(true);
    expect(list.map(([k, v]) => [k, Buffer.from(v).toString('utf8')])).toEqual([[':path', '/a'], ['cookie', 'a=1'], ['cookie', 'b=2'], ['x-bin', '\u00e9']]);
    expect(decoded.input.body?.toString()).toBe('plain body');
    expect(decoded.input.source).toEqual({ address: '2001:db8::1', port: 5555 });
  });

  it('our encoding of a CheckRequest is byte-identical to Envoy\'s and decodes back unchanged', () => {
    for (const req of [fullRequest, rawHeaderRequest]) {
      const mine = ours.requestSerialize(req);
      expect(mine.equals(envoy.requestSerialize(req))).toBe(true);
      expect(envoy.requestDeserialize(mine)).toEqual(ours.requestDeserialize(mine));
    }
  });
});

function verdict(over: Partial<Verdict>): Verdict {
  return {
    allow: true, status: 200, setHeaders: {}, appendHeaders: {}, removeHeaders: [], responseHeaders: {},
    metadata: {}, route: 'users', checks: [], degraded: [], ...over,
  };
}

/** Finds every (field, wireType) tag at the top level of a message. */
function topLevelTags(buf: Buffer): Array<[number, number, Buffer]> {
  const out: Array<[number, number, Buffer]> = [];
  let i = 0;
  const varint = (): number => {
    let shift = 0, n = 0, b: number;
    do { b = buf[i++]!; n += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return n;
  };
  while (i < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8), wt = tag & 7;
    if (wt === 0) { varint(); out.push([field, wt, Buffer.alloc(0)]); }
    else if (wt === 2) { const len = varint(); out.push([field, wt, buf.subarray(i, i + len)]); i += len; }
    else throw new Error(`unexpected wire type ${wt}`);
  }
  return out;
}

describe('CheckResponse: our encoding read by Envoy\'s definitions', () => {
  it('allow: status OK, headers with an explicit BoolValue append, removals, response headers, metadata', () => {
    const v = verdict({
      setHeaders: { 'X-User-Id': 'alice' },
      appendHeaders: { 'x-trace': 'p1' },
      removeHeaders: ['authorization', 'x-user-id'],
      responseHeaders: { 'x-ratelimit-remaining': '9' },
      metadata: { decision_id: 'd-1', route: 'users', principal: 'alice', n: 3, ok: true, list: [1, 'a'] },
    });
    const bytes = ours.responseSerialize(encodeCheckResponse(v));
    const seen = envoy.responseDeserialize(bytes) as any;
    expect(seen.status).toBeDefined();
    expect(seen.status.code ?? 0).toBe(0);
    expect(seen.http_response).toBe('ok_response');
    const headers = seen.ok_response.headers;
    expect(headers).toHaveLength(2);
    expect(headers[0].header).toEqual({ key: 'x-user-id', value: 'alice' });
    expect(headers[0].append).toBeDefined(); // a present BoolValue: overwrite
    expect(headers[0].append.value ?? false).toBe(false);
    expect(headers[1].header).toEqual({ key: 'x-trace', value: 'p1' });
    expect(headers[1].append).toEqual({ value: true });
    expect(seen.ok_response.headers_to_remove).toEqual(['authorization']);
    expect(seen.ok_response.response_headers_to_add[0].header).toEqual({ key: 'x-ratelimit-remaining', value: '9' });
    expect(seen.ok_response.response_headers_to_add[0].append.value ?? false).toBe(false);
    const fields = seen.dynamic_metadata.fields;
    expect(fields.decision_id.stringValue).toBe('d-1');
    expect(fields.n.numberValue).toBe(3);
    expect(fields.ok.boolValue).toBe(true);
    expect(fields.list.listValue.values.map((x: any) => x.numberValue ?? x.stringValue)).toEqual([1, 'a']);
    // The same object through Envoy's definitions gives the same bytes.
    expect(envoy.responseSerialize(encodeCheckResponse(v)).equals(bytes)).toBe(true);
  });

  it('allow: append is wire type 2 (a message), never a varint bool', () => {
    const bytes = ours.responseSerialize(encodeCheckResponse(verdict({ setHeaders: { a: 'b' } })));
    const ok = topLevelTags(bytes).find(([f]) => f === 3)![2];
    const option = topLevelTags(ok).find(([f]) => f === 2)![2];
    const tags = topLevelTags(option).map(([f, wt]) => [f, wt]);
    expect(tags).toEqual([[1, 2], [2, 2]]);
  });

  it('deny: non-OK status, HttpStatus enum, local-reply headers, body', () => {
    const v = verdict({
      allow: false, status: 429, code: 'ratelimit.over_limit',
      responseHeaders: { 'Retry-After': '7', 'content-type': 'application/json' },
      body: '{"error":"ratelimit.over_limit"}', metadata: { decision_id: 'd-2' },
    });
    const bytes = ours.responseSerialize(encodeCheckResponse(v));
    const seen = envoy.responseDeserialize(bytes) as any;
    expect(seen.status.code).toBe(8);
    expect(seen.http_response).toBe('denied_response');
    expect(seen.denied_response.status.code).toBe('TooManyRequests');
    expect(seen.denied_response.headers.map((h: any) => h.header)).toEqual([{ key: 'retry-after', value: '7' }, { key: 'content-type', value: 'application/json' }]);
    expect(seen.denied_response.headers.every((h: any) => h.append && !h.append.value)).toBe(true);
    expect(seen.denied_response.body).toBe('{"error":"ratelimit.over_limit"}');
    expect(seen.dynamic_metadata.fields.decision_id.stringValue).toBe('d-2');
    expect(envoy.responseSerialize(encodeCheckResponse(v)).equals(bytes)).toBe(true);
  });

  it('error_response (field 5, Envoy >= 1.37) matches bytes built from the field table', () => {
    const obj = { status: { code: 14 }, error_response: { status: { code: 'ServiceUnavailable' }, body: 'down' } };
    const expected = Buffer.concat([
      pb.msg(1, pb.int(1, 14)),
      pb.msg(5, pb.msg(1, pb.int(1, 503)), pb.bytes(3, 'down')),
    ]);
    expect(ours.responseSerialize(obj).equals(expected)).toBe(true);
    const back = ours.responseDeserialize(expected) as any;
    expect(back.http_response).toBe('error_response');
    expect(back.error_response.status.code).toBe('ServiceUnavailable');
  });
});
