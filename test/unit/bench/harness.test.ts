import { describe, expect, it } from 'vitest';
import { cpuSeconds } from '../../bench/proc-cpu.js';
import { envoyCheckRequest, selfCheck } from '../../bench/scenario.js';
import { scenario as decisions } from '../../bench/scenarios/decisions.js';
import { median, quantile } from '../../bench/stats.js';
import { loadGrpcDefinitions } from '../../../src/grpc/protos.js';
import { decodeCheckRequest } from '../../../src/grpc/codec.js';

describe('bench statistics', () => {
  it('quantile is nearest-rank on sorted data', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile(xs, 1)).toBe(100);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('median ignores non-finite values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5, Infinity])).toBe(5);
    expect(median([])).toBeNaN();
  });
});

describe('server CPU time from /proc', () => {
  it('grows while this process burns CPU', () => {
    const before = cpuSeconds(process.pid);
    const end = Date.now() + 150;
    let x = 0;
    while (Date.now() < end) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(cpuSeconds(process.pid) - before).toBeGreaterThan(0.05);
  });

  it('is 0 for a process that does not exist', () => {
    expect(cpuSeconds(2 ** 30)).toBe(0);
  });
});

describe('envoyCheckRequest', () => {
  it('builds a CheckRequest that serializes and decodes like Envoy\'s', () => {
    const check = loadGrpcDefinitions().authorization.Check;
    const msg = envoyCheckRequest({ method: 'POST', path: '/api/users?x=1', body: '{"a":1}', headers: { 'x-api-key': 'k' }, sourceIp: '198.51.100.7', contextExtensions: { vh: 'api' } });
    const decoded = decodeCheckRequest(check.requestDeserialize(check.requestSerialize(msg)));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const headers = decoded.input.headers as Record<string, string>;
    expect(headers[':path']).toBe('/api/users?x=1');
    expect(headers['x-api-key']).toBe('k');
    expect(headers['x-envoy-auth-partial-body']).toBe('false');
    expect(decoded.input.body?.toString()).toBe('{"a":1}');
    expect(decoded.input.source).toEqual({ address: '198.51.100.7', port: 51234 });
    expect(decoded.input.contextExtensions).toEqual({ vh: 'api' });
  });
});

describe('bench self-check', () => {
  it('runs the reference as the candidate, with the scenario\'s rounds and no target to miss', () => {
    const s = selfCheck(decisions, decisions.reference!);
    expect(s.name).toBe('decisions-sqlite-self-check');
    expect(s.policy).toBe(decisions.reference!.policy);
    expect(s.policy).not.toBe(decisions.policy);
    expect(s.reference?.policy).toBe(decisions.reference!.policy);
    expect(s.reference?.minThroughputRatio).toBeUndefined();
    expect(s.targets).toBeUndefined();
    expect([s.minRounds, s.durationMs]).toEqual([decisions.minRounds, decisions.durationMs]);
  });
});
