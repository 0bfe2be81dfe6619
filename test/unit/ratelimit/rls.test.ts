import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyError } from '../../../src/config/types.js';
import { compileRateLimit, type RateLimitResource } from '../../../src/ratelimit/section.js';
import type { RlsRequest, RlsResult } from '../../../src/ratelimit/rls-types.js';
import { buildRateLimitRecord } from '../../../src/ratelimit/record.js';
import { makeDeps } from '../../helpers/request.js';

const T0 = 1_764_331_200_000;
let resources: RateLimitResource[] = [];
afterEach(async () => {
  await Promise.all(resources.map((r) => r.dispose()));
  resources = [];
});

function build(spec: Record<string, unknown>, clock: () => number = () => T0, deps = makeDeps({ live: false })): RateLimitResource {
  const r = compileRateLimit(spec as never, deps, { clock });
  resources.push(r);
  return r;
}

const req = (domain: string, ...descs: Array<Array<[string, string]> | { entries: Array<[string, string]>; hits?: number; limit?: RlsRequest['descriptors'][number]['limit'] }>): RlsRequest => ({
  domain,
  hitsAddend: 0,
  descriptors: descs.map((d) => {
    const x = Array.isArray(d) ? { entries: d } : d;
    const out: RlsRequest['descriptors'][number] = { entries: x.entries.map(([key, value]) => ({ key, value })) };
    if (!Array.isArray(d) && d.hits !== undefined) out.hitsAddend = d.hits;
    if (!Array.isArray(d) && d.limit) out.limit = d.limit;
    return out;
  }),
});

function response(r: RlsResult): Extract<RlsResult, { kind: 'response' }> {
  if (r.kind !== 'response') throw new Error(`expected a response, got ${r.grpcCode}: ${r.message}`);
  return r;
}

const edge = {
  domain: 'edge',
  descriptors: [
    { key: 'remote_address', rate_limit: { unit: 'minute', requests_per_unit: 3 } },
    { key: 'remote_address', value: '10.0.0.9', rate_limit: { unlimited: true } },
    {
      key: 'authenticated',
      value: 'false',
      descriptors: [
        { key: 'path', value: '/api/upload', rate_limit: { unit: 'second', requests_per_unit: 1 } },
        { key: 'path', value: '/api/*', rate_limit: { unit: 'hour', requests_per_unit: 2, name: 'api-prefix' } },
        { key: 'path', rate_limit: { unit: 'day', requests_per_unit: 5 } },
      ],
    },
    { key: 'client', value: '*', rate_limit: { unit: 'week', requests_per_unit: 2 } },
    { key: 'plan', value: 'gold', rate_limit: { unit: 'minute', requests_per_unit: 100, name: 'gold', replaces: [{ name: 'per-user' }] } },
    { key: 'user', rate_limit: { unit: 'minute', requests_per_unit: 1, name: 'per-user' } },
    { key: 'watch', rate_limit: { unit: 'minute', requests_per_unit: 1 }, shadow_mode: true },
    { key: 'deep', descriptors: [{ key: 'deeper', rate_limit: { unit: 'year', requests_per_unit: 1 } }] },
  ],
};

describe('ShouldRateLimit: the envoyproxy/ratelimit descriptor rules', () => {
  it('a bare key matches any value, each value with its own counter', async () => {
    const r = build({ domains: [edge] });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(response(await r.shouldRateLimit(req('edge', [['remote_address', '1.1.1.1']]))).overallCode);
    expect(codes).toEqual(['OK', 'OK', 'OK', 'OVER_LIMIT']);
    const other = response(await r.shouldRateLimit(req('edge', [['remote_address', '2.2.2.2']])));
    expect(other.overallCode).toBe('OK');
    expect(other.statuses[0]).toEqual({ code: 'OK', currentLimit: { requestsPerUnit: 3, unit: 'MINUTE' }, limitRemaining: 2, durationUntilResetSeconds: 60 });
  });

  it('an exact value beats the bare key; unlimited is OK without current_limit', async () => {
    const r = build({ domains: [edge] });
    for (let i = 0; i < 10; i++) {
      const res = response(await r.shouldRateLimit(req('edge', [['remote_address', '10.0.0.9']])));
      expect(res.overallCode).toBe('OK');
      expect(res.statuses[0]!.currentLimit).toBeUndefined();
      expect(res.statuses[0]!.limitRemaining).toBe(4294967295);
    }
  });

  it('nested descriptors: exact, then prefix wildcard, then bare key', async () => {
    const r = build({ domains: [edge] });
    const at = (path: string) => r.shouldRateLimit(req('edge', [['authenticated', 'false'], ['path', path]])).then(response);
    expect((await at('/api/upload')).statuses[0]!.currentLimit).toEqual({ requestsPerUnit: 1, unit: 'SECOND' });
    expect((await at('/api/users')).statuses[0]!.currentLimit).toEqual({ requestsPerUnit: 2, unit: 'HOUR', name: 'api-prefix' });
    expect((await at('/other')).statuses[0]!.currentLimit).toEqual({ requestsPerUnit: 5, unit: 'DAY' });
    // Wildcard-matched values count separately, as envoyproxy/ratelimit keys counters by the request's values.
    await at('/api/users');
    expect((await at('/api/users')).overallCode).toBe('OVER_LIMIT');
    expect((await at('/api/orders')).overallCode).toBe('OK');
  });

  it('a value of "*" matches every value; WEEK is a unit', async () => {
    const r = build({ domains: [edge] });
    const res = response(await r.shouldRateLimit(req('edge', [['client', 'anything']])));
    expect(res.statuses[0]!.currentLimit).toEqual({ requestsPerUnit: 2, unit: 'WEEK' });
    expect(res.statuses[0]!.durationUntilResetSeconds).toBeLessThanOrEqual(604_800);
  });

  it('a descriptor deeper or shallower than the config matches nothing', async () => {
    const r = build({ domains: [edge] });
    const shallow = response(await r.shouldRateLimit(req('edge', [['authenticated', 'false']])));
    expect(shallow.statuses[0]).toEqual({ code: 'OK', limitRemaining: 0, durationUntilResetSeconds: 0 });
    const deep = response(await r.shouldRateLimit(req('edge', [['remote_address', '1.2.3.4'], ['path', '/x']])));
    expect(deep.statuses[0]!.currentLimit).toBeUndefined();
    const ok = response(await r.shouldRateLimit(req('edge', [['deep', 'a'], ['deeper', 'b']])));
    expect(ok.statuses[0]!.currentLimit).toEqual({ requestsPerUnit: 1, unit: 'YEAR' });
    const unmatched = response(await r.shouldRateLimit(req('edge', [['nope', 'x']])));
    expect(unmatched.statuses[0]!.currentLimit).toBeUndefined();
  });

  it('replaces: a matching named limit drops the limit it replaces', async () => {
    const r = build({ domains: [edge] });
    const both = () => r.shouldRateLimit(req('edge', [['plan', 'gold']], [['user', 'u1']])).then(response);
    const first = await both();
    expect(first.statuses[1]!.currentLimit).toBeUndefined();
    expect((await both()).overallCode).toBe('OK');
    // Without the replacing descriptor the per-user limit applies.
    await r.shouldRateLimit(req('edge', [['user', 'u2']]));
    expect(response(await r.shouldRateLimit(req('edge', [['user', 'u2']]))).overallCode).toBe('OVER_LIMIT');
  });

  it('shadow_mode: counts, reports OK, and the record marks it', async () => {
    const r = build({ domains: [edge] });
    await r.shouldRateLimit(req('edge', [['watch', 'w']]));
    const res = response(await r.shouldRateLimit(req('edge', [['watch', 'w']])));
    expect(res.overallCode).toBe('OK');
    expect(res.statuses[0]).toMatchObject({ code: 'OK', limitRemaining: 0 });
    expect(res.info?.shadow).toEqual([true]);
    const record = buildRateLimitRecord(req('edge', [['watch', 'w']]), res, { id: 'x', time: 't', latencyUs: 5 });
    expect(record.statuses[0]).toMatchObject({ code: 'OK', shadow: true, limit: '1/MINUTE' });
    expect(record.verdict).toBe('allow');
  });

  it('overall_code is OVER_LIMIT when any descriptor is over, with one status per descriptor in order', async () => {
    const r = build({ domains: [edge] });
    await r.shouldRateLimit(req('edge', [['user', 'x']]));
    const res = response(await r.shouldRateLimit(req('edge', [['nope', '1']], [['user', 'x']], [['remote_address', '9.9.9.9']])));
    expect(res.overallCode).toBe('OVER_LIMIT');
    expect(res.statuses.map((s) => s.code)).toEqual(['OK', 'OVER_LIMIT', 'OK']);
  });
});

describe('ShouldRateLimit: hits, overrides, odd requests', () => {
  const dom = { domain: 'd', descriptors: [{ key: 'k', rate_limit: { unit: 'minute', requests_per_unit: 10 } }] };

  it('hits_addend 0 counts as 1; request and per-descriptor addends', async () => {
    const r = build({ domains: [dom] });
    const a = response(await r.shouldRateLimit({ ...req('d', [['k', 'a']]), hitsAddend: 0 }));
    expect(a.statuses[0]!.limitRemaining).toBe(9);
    const b = response(await r.shouldRateLimit({ ...req('d', [['k', 'a']]), hitsAddend: 4 }));
    expect(b.statuses[0]!.limitRemaining).toBe(5);
    const c = response(await r.shouldRateLimit({ ...req('d', { entries: [['k', 'a']], hits: 2 }), hitsAddend: 4 }));
    expect(c.statuses[0]!.limitRemaining).toBe(3);
    const d0 = response(await r.shouldRateLimit(req('d', { entries: [['k', 'a']], hits: 0 })));
    expect(d0.statuses[0]!.limitRemaining).toBe(2);
    const over = response(await r.shouldRateLimit({ ...req('d', [['k', 'a']]), hitsAddend: 3 }));
    expect(over.overallCode).toBe('OVER_LIMIT');
  });

  it('a descriptor limit override replaces the config', async () => {
    const r = build({ domains: [dom] });
    const res = response(await r.shouldRateLimit(req('d', { entries: [['k', 'o']], limit: { requestsPerUnit: 1, unit: 'HOUR' } })));
    expect(res.statuses[0]).toMatchObject({ code: 'OK', currentLimit: { requestsPerUnit: 1, unit: 'HOUR' }, limitRemaining: 0 });
    const again = response(await r.shouldRateLimit(req('d', { entries: [['k', 'o']], limit: { requestsPerUnit: 1, unit: 'HOUR' } })));
    expect(again.overallCode).toBe('OVER_LIMIT');
  });

  it('duration_until_reset follows the epoch-aligned window', async () => {
    let now = T0 + 45_500;
    const r = build({ domains: [dom] }, () => now);
    expect(response(await r.shouldRateLimit(req('d', [['k', 'z']]))).statuses[0]!.durationUntilResetSeconds).toBe(15);
    now = T0 + 60_000;
    expect(response(await r.shouldRateLimit(req('d', [['k', 'z']]))).statuses[0]).toMatchObject({ limitRemaining: 9, durationUntilResetSeconds: 60 });
  });

  it('malformed requests get INVALID_ARGUMENT with a reason; an unknown domain is OK without limits', async () => {
    const r = build({ domains: [dom] });
    const bad = async (x: RlsRequest) => {
      const res = await r.shouldRateLimit(x);
      expect(res.kind).toBe('error');
      return res.kind === 'error' ? `${res.grpcCode}: ${res.message}` : '';
    };
    expect(await bad(req('', [['k', 'a']]))).toMatch(/INVALID_ARGUMENT: .*domain/);
    expect(await bad(req('d'))).toMatch(/descriptor list must not be empty/);
    expect(await bad({ domain: 'd', hitsAddend: 0, descriptors: [{ entries: [] }] })).toMatch(/no entries/);
    expect(await bad({ domain: 'd', hitsAddend: 0, descriptors: [{ entries: [{ key: '', value: 'x' }] }] })).toMatch(/without a key/);
    expect(await bad({ ...req('d', [['k', 'a']]), hitsAddend: 2 ** 40 })).toMatch(/hits_addend/);
    expect(await bad(req('d', { entries: [['k', 'a']], hits: Number.MAX_SAFE_INTEGER }))).toMatch(/descriptor 0: hits_addend/);
    expect(await bad(req('d', { entries: [['k', 'a']], limit: { requestsPerUnit: 5, unit: 'UNKNOWN' } }))).toMatch(/UNKNOWN/);
    expect(await bad(null as unknown as RlsRequest)).toMatch(/domain/);
    const unknown = response(await r.shouldRateLimit(req('nope', [['k', 'a']], [['k', 'b']])));
    expect(unknown.overallCode).toBe('OK');
    expect(unknown.statuses).toHaveLength(2);
    expect(unknown.info?.unknownDomain).toBe(true);
    // A huge but valid addend is simply over the limit.
    expect(response(await r.shouldRateLimit({ ...req('d', [['k', 'h']]), hitsAddend: 4294967295 })).overallCode).toBe('OVER_LIMIT');
  });

  it('long, client-chosen values are counted by their digest: small counters, still distinct', async () => {
    const r = build({ domains: [dom] });
    const a = 'a'.repeat(4000);
    const b = `${'a'.repeat(3999)}b`;
    for (let i = 0; i < 10; i++) await r.shouldRateLimit(req('d', [['k', a]]));
    expect(response(await r.shouldRateLimit(req('d', [['k', a]]))).overallCode).toBe('OVER_LIMIT');
    expect(response(await r.shouldRateLimit(req('d', [['k', b]]))).overallCode).toBe('OK');
    const report = await r.readCounters({ domain: 'd', entries: [{ key: 'k', value: a }] });
    expect(report.key.length).toBeLessThan(80);
    expect(report.counters[0]!.count).toBe(11);
  });

  it('adds RateLimit-* response headers only when configured to', async () => {
    const plain = build({ domains: [dom] });
    expect(response(await plain.shouldRateLimit(req('d', [['k', 'a']]))).responseHeadersToAdd).toBeUndefined();
    const withHeaders = build({ domains: [dom], responseHeaders: true });
    expect(response(await withHeaders.shouldRateLimit(req('d', [['k', 'a']]))).responseHeadersToAdd).toEqual([
      ['ratelimit-limit', '10'], ['ratelimit-remaining', '9'], ['ratelimit-reset', '60'],
    ]);
  });
});

describe('domain configs: validation and sources', () => {
  const bad = (domains: unknown[], pattern: RegExp) => {
    expect(() => build({ domains })).toThrow(PolicyError);
    expect(() => build({ domains })).toThrow(pattern);
  };

  it('rejects what envoyproxy/ratelimit rejects, with the key path', () => {
    bad([{ domain: '', descriptors: [] }], /ratelimit\.domains\[0\]\.domain: config file cannot have empty domain/);
    bad([{ domain: 'a', descriptors: [{ value: 'x' }] }], /descriptors\[0\]\.key: descriptor has empty key/);
    bad([{ domain: 'a', descriptors: [{ key: 'k', rate_limit: { unit: 'fortnight', requests_per_unit: 1 } }] }], /rate_limit\.unit: invalid rate limit unit 'fortnight'/);
    bad([{ domain: 'a', descriptors: [{ key: 'k', rate_limit: { unit: 'second', unlimited: true } }] }], /should not specify rate limit unit when unlimited/);
    bad([{ domain: 'a', descriptors: [{ key: 'k' }, { key: 'k' }] }], /duplicate descriptor composite key 'a\.k'/);
    bad([{ domain: 'a', descriptors: [{ key: 'k', bogus: 1 }] }], /descriptors\[0\]: unknown key 'bogus'/);
    bad([{ domain: 'a', descriptors: [{ key: 'k', rate_limit: { unit: 'second', requests_per_unit: -1 } }] }], /requests_per_unit/);
    bad([{ domain: 'a', descriptors: [{ key: 'k', rate_limit: { unit: 'second', requests_per_unit: 1, name: 'n', replaces: [{ name: 'n' }] } }] }], /replaces should not contain name of same descriptor/);
    bad([{ domain: 'a', descriptors: [] }, { domain: 'a', descriptors: [] }], /ratelimit\.domains\[1\]: duplicate domain 'a'/);
    bad([{ domain: 'a', descriptors: [{ key: 'k', fail_mode: 'maybe' }] }], /fail_mode: must be 'open' or 'closed'/);
  });

  it('loads { file } and { dir } with entry defaults, and reports file errors', () => {
    const deps = makeDeps({ live: false });
    mkdirSync(join(deps.policyDir, 'rl'));
    writeFileSync(join(deps.policyDir, 'rl', 'a.yaml'), 'domain: fa\ndescriptors:\n  - key: k\n    rate_limit: { unit: minute, requests_per_unit: 2 }\n');
    writeFileSync(join(deps.policyDir, 'rl', 'b.yml'), 'domain: fb\ndescriptors:\n  - key: k\n    fail_mode: open\n    rate_limit: { unit: minute, requests_per_unit: 2 }\n');
    writeFileSync(join(deps.policyDir, 'rl', 'ignored.txt'), 'nope');
    writeFileSync(join(deps.policyDir, 'single.yaml'), 'domain: fs\ndescriptors:\n  - key: k\n    rate_limit: { unit: second, requests_per_unit: 1 }\n');
    const r = build({ domains: [{ dir: 'rl', failMode: 'closed' }, { file: 'single.yaml' }] }, () => T0, deps);
    expect([...r.domains.keys()].sort()).toEqual(['fa', 'fb', 'fs']);
    expect(r.domains.get('fa')!.limits[0]!.failMode).toBe('closed');
    expect(r.domains.get('fb')!.limits[0]!.failMode).toBe('open');
    expect(r.anyClosed).toBe(true);
    writeFileSync(join(deps.policyDir, 'broken.yaml'), 'domain: x\ndescriptors:\n  - key: k\n    rate_limit: { unit: eon, requests_per_unit: 1 }\n');
    expect(() => build({ domains: [{ file: 'broken.yaml' }] }, () => T0, deps)).toThrow(/ratelimit\.domains\[0\]: .*broken\.yaml: descriptors\[0\]\.rate_limit\.unit: invalid rate limit unit 'eon'/);
    expect(() => build({ domains: [{ file: 'missing.yaml' }] }, () => T0, deps)).toThrow(/cannot read .*missing\.yaml: ENOENT/);
  });
});

describe('metrics', () => {
  it('counts decisions by source, domain and code, without caller-chosen labels', async () => {
    const deps = makeDeps({ live: false });
    const r = build({ domains: [{ domain: 'm', descriptors: [{ key: 'k', rate_limit: { unit: 'minute', requests_per_unit: 1 } }] }] }, () => T0, deps);
    await r.shouldRateLimit(req('m', [['k', 'a']]));
    await r.shouldRateLimit(req('m', [['k', 'a']]));
    await r.shouldRateLimit(req('attacker-chosen-name', [['k', 'a']]));
    await r.shouldRateLimit(req(''));
    const metric = deps.metrics.getSingleMetric('portcullis_ratelimit_decisions_total')!;
    const values = (await metric.get()).values.map((v) => [v.labels.domain, v.labels.code, v.value]);
    expect(values).toEqual(expect.arrayContaining([['m', 'ok', 1], ['m', 'over_limit', 1], ['(unknown)', 'ok', 1], ['(invalid)', 'invalid', 1]]));
    expect(JSON.stringify(values)).not.toContain('attacker');
    // A recompiled policy on the same registry reuses the metrics instead of registering twice.
    expect(() => build({}, () => T0, deps)).not.toThrow();
  });
});

describe('reload', () => {
  it('a recompiled policy with the same store keeps the counters; a different store starts afresh', async () => {
    const deps = makeDeps({ live: false });
    const spec = { domains: [{ domain: 'r', descriptors: [{ key: 'k', rate_limit: { unit: 'hour', requests_per_unit: 2 } }] }] };
    const first = compileRateLimit(spec as never, deps, { clock: () => T0 });
    await first.shouldRateLimit(req('r', [['k', 'v']]));
    await first.shouldRateLimit(req('r', [['k', 'v']]));
    const second = compileRateLimit(spec as never, deps, { clock: () => T0 });
    await first.dispose();
    expect(response(await second.shouldRateLimit(req('r', [['k', 'v']]))).overallCode).toBe('OVER_LIMIT');
    const third = compileRateLimit({ ...spec, store: { memory: { maxKeys: 10 } } } as never, deps, { clock: () => T0 });
    expect(response(await third.shouldRateLimit(req('r', [['k', 'v']]))).overallCode).toBe('OK');
    await second.dispose();
    await third.dispose();
  });
});
