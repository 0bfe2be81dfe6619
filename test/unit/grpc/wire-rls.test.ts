/**
 * Wire compatibility of RateLimitService/ShouldRateLimit against Envoy's real definitions, plus hand-built bytes
 * for fields newer than the oracle (descriptor hits_addend = 3 UInt64Value, RateLimit.Unit WEEK = 7).
 */
import { describe, expect, it } from 'vitest';
import { decodeRateLimitRequest, encodeRateLimitResponse } from '../../../src/grpc/codec.js';
import { loadGrpcDefinitions } from '../../../src/grpc/protos.js';
import { envoyServices, pb } from './envoy-defs.js';

const ours = loadGrpcDefinitions().rateLimit.ShouldRateLimit;
const envoy = envoyServices().rateLimit.ShouldRateLimit;

const request = {
  domain: 'edge',
  descriptors: [
    { entries: [{ key: 'remote_address', value: '203.0.113.9' }] },
    { entries: [{ key: 'generic_key', value: 'api' }, { key: 'method', value: 'GET' }], limit: { requests_per_unit: 42, unit: 'MINUTE' } },
  ],
  hits_addend: 3,
};

describe('RateLimitRequest', () => {
  it('Envoy-encoded bytes decode with our protos into RlsRequest', () => {
    const decoded = decodeRateLimitRequest(ours.requestDeserialize(envoy.requestSerialize(request)));
    expect(decoded).toEqual({
      ok: true,
      req: {
        domain: 'edge',
        hitsAddend: 3,
        descriptors: [
          { entries: [{ key: 'remote_address', value: '203.0.113.9' }] },
          { entries: [{ key: 'generic_key', value: 'api' }, { key: 'method', value: 'GET' }], limit: { requestsPerUnit: 42, unit: 'MINUTE' } },
        ],
      },
    });
  });

  it('our encoding is byte-identical to Envoy\'s', () => {
    expect(ours.requestSerialize(request).equals(envoy.requestSerialize(request))).toBe(true);
  });

  it('a request without hits_addend reads as 0 (the limiter treats 0 as 1)', () => {
    const decoded = decodeRateLimitRequest(ours.requestDeserialize(envoy.requestSerialize({ domain: 'd', descriptors: [{ entries: [{ key: 'k', value: 'v' }] }] })));
    expect(decoded.ok && decoded.req.hitsAddend).toBe(0);
  });

  it('descriptor hits_addend (field 3, UInt64Value) from bytes built by the field table', () => {
    const bytes = Buffer.concat([
      pb.bytes(1, 'edge'),
      pb.msg(2, pb.msg(1, pb.bytes(1, 'k'), pb.bytes(2, 'v')), pb.msg(3, pb.int(1, 2n ** 40n))),
      pb.msg(2, pb.msg(1, pb.bytes(1, 'k2'), pb.bytes(2, 'v2')), pb.msg(3)),
    ]);
    const decoded = decodeRateLimitRequest(ours.requestDeserialize(bytes));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.req.descriptors[0]!.hitsAddend).toBe(2 ** 40);
    // An empty UInt64Value is present with value 0.
    expect(decoded.req.descriptors[1]!.hitsAddend).toBe(0);
    expect(ours.requestSerialize({ domain: 'edge', descriptors: [{ entries: [{ key: 'k', value: 'v' }], hits_addend: { value: 2 ** 40 } }] }).equals(
      Buffer.concat([pb.bytes(1, 'edge'), pb.msg(2, pb.msg(1, pb.bytes(1, 'k'), pb.bytes(2, 'v')), pb.msg(3, pb.int(1, 2n ** 40n)))]),
    )).toBe(true);
  });
});

describe('RateLimitResponse', () => {
  it('our encoding reads back through Envoy\'s definitions', () => {
    const obj = encodeRateLimitResponse({
      kind: 'response',
      overallCode: 'OVER_LIMIT',
      statuses: [
        { code: 'OK', currentLimit: { requestsPerUnit: 100, unit: 'HOUR', name: 'per-ip' }, limitRemaining: 99, durationUntilResetSeconds: 1800.5 },
        { code: 'OVER_LIMIT', currentLimit: { requestsPerUnit: 10, unit: 'SECOND' }, limitRemaining: 0, durationUntilResetSeconds: 1 },
        { code: 'OK', limitRemaining: 0, durationUntilResetSeconds: 0 },
      ],
      responseHeadersToAdd: [['Retry-After', '1']],
      requestHeadersToAdd: [['x-ratelimited-by', 'portcullis']],
    });
    const bytes = ours.responseSerialize(obj);
    const seen = envoy.responseDeserialize(bytes) as any;
    expect(seen.overall_code).toBe('OVER_LIMIT');
    expect(seen.statuses).toHaveLength(3);
    expect(seen.statuses[0].code).toBe('OK');
    expect(seen.statuses[0].current_limit).toEqual({ requests_per_unit: 100, unit: 'HOUR', name: 'per-ip' });
    expect(seen.statuses[0].limit_remaining).toBe(99);
    expect(seen.statuses[0].duration_until_reset).toEqual({ seconds: 1800, nanos: 500_000_000 });
    expect(seen.statuses[1].code).toBe('OVER_LIMIT');
    expect(seen.statuses[1].current_limit.unit).toBe('SECOND');
    expect(seen.statuses[2].current_limit).toBeUndefined();
    // HeaderValue (key=1, value=2), not HeaderValueOption.
    expect(seen.response_headers_to_add).toEqual([{ key: 'retry-after', value: '1' }]);
    expect(seen.request_headers_to_add).toEqual([{ key: 'x-ratelimited-by', value: 'portcullis' }]);
    expect(envoy.responseSerialize(obj).equals(bytes)).toBe(true);
  });

  it('overall_code OK is on the wire explicitly (never left UNKNOWN)', () => {
    const bytes = ours.responseSerialize(encodeRateLimitResponse({ kind: 'response', overallCode: 'OK', statuses: [] }));
    expect(bytes.equals(pb.int(1, 1))).toBe(true);
  });

  it('unit WEEK (7) matches bytes built from the field table', () => {
    const obj = encodeRateLimitResponse({
      kind: 'response', overallCode: 'OK',
      statuses: [{ code: 'OK', currentLimit: { requestsPerUnit: 5, unit: 'WEEK' }, limitRemaining: 4, durationUntilResetSeconds: 604_799 }],
    });
    const expected = Buffer.concat([
      pb.int(1, 1),
      pb.msg(2, pb.int(1, 1), pb.msg(2, pb.int(1, 5), pb.int(2, 7)), pb.int(3, 4), pb.msg(4, pb.int(1, 604_799))),
    ]);
    expect(ours.responseSerialize(obj).equals(expected)).toBe(true);
    expect((ours.responseDeserialize(expected) as any).statuses[0].current_limit.unit).toBe('WEEK');
  });
});
