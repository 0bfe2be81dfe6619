/**
 * The fast response serializers against proto-loader's generic ones on the same protos: identical bytes for
 * everything the codec produces, the generic path for anything else.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { encodeCheckResponse, encodeRateLimitResponse } from '../../../src/grpc/codec.js';
import { loadGrpcDefinitions, protoLoaderOptions, protosDir, PROTO_FILES } from '../../../src/grpc/protos.js';
import { PbWriter } from '../../../src/grpc/pb-writer.js';
import type { Verdict } from '../../../src/pipeline/types.js';

const generic = protoLoader.loadSync([...PROTO_FILES], { ...protoLoaderOptions, includeDirs: [protosDir()] });
const genericCheck = (generic['envoy.service.auth.v3.Authorization'] as grpc.ServiceDefinition).Check.responseSerialize;
const genericRls = (generic['envoy.service.ratelimit.v3.RateLimitService'] as grpc.ServiceDefinition).ShouldRateLimit.responseSerialize;
const fastCheck = loadGrpcDefinitions().authorization.Check.responseSerialize;
const fastRls = loadGrpcDefinitions().rateLimit.ShouldRateLimit.responseSerialize;

function verdict(over: Partial<Verdict>): Verdict {
  return { allow: true, status: 200, setHeaders: {}, appendHeaders: {}, removeHeaders: [], responseHeaders: {}, metadata: {}, route: '', checks: [], degraded: [], ...over };
}

const long = 'x'.repeat(200);
const longer = 'y'.repeat(20_000);
const verdicts: Verdict[] = [
  verdict({}),
  verdict({ metadata: { decision_id: 'd', route: 'r', principal: 'p' } }),
  verdict({ setHeaders: { 'x-user-id': 'alice', 'x-long': long }, appendHeaders: { 'x-t': 'a' }, removeHeaders: ['authorization', 'x-roles'], responseHeaders: { 'x-rl': '1' } }),
  verdict({ metadata: { n: -1.5, big: 2 ** 60, zero: 0, neg0: -0, t: true, f: false, nul: null, list: [1, 'a', [true], { k: 'v' }], nested: { a: { b: { c: 'deep' } } }, text: longer, unicode: 'h\u00e9llo \u{1f600}' } }),
  verdict({ allow: false, status: 403, code: 'waf.blocked', body: '{"error":"waf.blocked"}', metadata: { decision_id: 'd' } }),
  verdict({ allow: false, status: 429, code: 'ratelimit.over_limit', responseHeaders: { 'retry-after': '3', 'x-ratelimit-limit': long }, body: longer }),
  verdict({ allow: false, status: 418 }),
  verdict({ allow: false, status: 503, body: '' }),
];

describe('fast CheckResponse serializer', () => {
  it('writes the same bytes as the generic serializer for what the codec produces', () => {
    for (const v of verdicts) {
      const obj = encodeCheckResponse(v);
      expect(fastCheck(obj).equals(genericCheck(obj))).toBe(true);
    }
  });

  it('matches on hand-made shapes the codec does not produce but the fast path accepts', () => {
    const shapes = [
      {},
      { status: {} },
      { status: { code: -3, message: '' } },
      { status: { code: 2147483647 } },
      { ok_response: { headers: [{ header: { key: 'k' } }, { append: {} }, {}] } },
      { denied_response: { status: { code: 451 } } },
      { denied_response: {} },
      { error_response: { status: { code: 'ServiceUnavailable' }, body: 'down' }, status: { code: 14 } },
      { dynamic_metadata: {} },
      { dynamic_metadata: { fields: {} } },
      { dynamic_metadata: { fields: { a: {}, b: { listValue: {} }, c: { structValue: {} }, d: { nullValue: 0 } } } },
      { status: { code: 0 }, http_response: 'ok_response', ok_response: { headers: undefined } },
    ];
    for (const s of shapes) expect(fastCheck(s).equals(genericCheck(s))).toBe(true);
  });

  it('falls back to the generic serializer for fields the fast path does not know', () => {
    const shapes = [
      { ok_response: { query_parameters_to_set: [{ key: 'a', value: 'b' }] } },
      { ok_response: { headers: [{ header: { key: 'k', raw_value: Buffer.from('v') } }] } },
      { ok_response: { headers: [{ header: { key: 'k', value: 'v' }, append_action: 'ADD_IF_ABSENT' }] } },
      { status: { code: 7, details: [{ type_url: 'type.googleapis.com/x', value: Buffer.from('z') }] } },
      { denied_response: { status: { code: 403 } }, dynamic_metadata: { fields: { n: { numberValue: '12' } } } },
      { status: { code: '7' } },
    ];
    for (const s of shapes) expect(fastCheck(s).equals(genericCheck(s))).toBe(true);
  });

  it('treats unknown enum names as the generic serializer does', () => {
    const obj = { denied_response: { status: { code: 'Teapot' } } };
    expect(fastCheck(obj).equals(genericCheck(obj))).toBe(true);
  });

  it('writes valid UTF-8 for lone surrogates (a proto3 string must be UTF-8 or Envoy refuses the message)', () => {
    const bytes = fastCheck(encodeCheckResponse(verdict({ metadata: { principal: 'a\ud800b' } })));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(bytes.indexOf('a'), bytes.indexOf('b') + 1))).not.toThrow();
  });
});

describe('fast RateLimitResponse serializer', () => {
  it('writes the same bytes as the generic serializer', () => {
    const responses = [
      encodeRateLimitResponse({ kind: 'response', overallCode: 'OK', statuses: [] }),
      encodeRateLimitResponse({
        kind: 'response', overallCode: 'OVER_LIMIT',
        statuses: [
          { code: 'OK', currentLimit: { requestsPerUnit: 100, unit: 'HOUR', name: 'per-ip' }, limitRemaining: 99, durationUntilResetSeconds: 1800.5 },
          { code: 'OVER_LIMIT', currentLimit: { requestsPerUnit: 0xffffffff, unit: 'WEEK' }, limitRemaining: 0, durationUntilResetSeconds: 2 ** 40 },
          { code: 'OK', limitRemaining: 5, durationUntilResetSeconds: 0 },
        ],
        responseHeadersToAdd: [['retry-after', '1'], ['x-long', long]],
        requestHeadersToAdd: [['x-rl', 'y']],
      }),
      { overall_code: 2, statuses: [{}, { current_limit: {} }] },
    ];
    for (const r of responses) expect(fastRls(r).equals(genericRls(r))).toBe(true);
  });

  it('falls back for fields it does not write', () => {
    const r = { overall_code: 'OK', raw_body: Buffer.from('x'), dynamic_metadata: { fields: { a: { stringValue: 'b' } } } };
    expect(fastRls(r).equals(genericRls(r))).toBe(true);
    expect(fastRls(r).length).toBeGreaterThan(2);
  });
});

describe('PbWriter', () => {
  it('encodes negative int32 as ten-byte varints like protobuf', () => {
    const w = new PbWriter(1);
    w.int(-1);
    expect(w.finish().toString('hex')).toBe('ffffffffffffffffff01');
    const w2 = new PbWriter(1);
    w2.int(-2147483648);
    expect(w2.finish().toString('hex')).toBe('80808080f8ffffffff01');
  });

  it('widens a nested length past one byte and grows its buffer', () => {
    const w = new PbWriter(4);
    const at = w.begin(1);
    w.stringField(2, 'z'.repeat(300));
    w.end(at);
    const out = w.finish();
    // tag 0x0a, length 303 as varint (0xaf 0x02), inner tag 0x12, length 300 (0xac 0x02)
    expect(out.subarray(0, 5).toString('hex')).toBe('0aaf0212ac');
    expect(out.length).toBe(3 + 303);
  });
});
