import { describe, expect, it } from 'vitest';
import type { PolicySpec } from '../../../src/config/policy-spec.js';
import { limitedTwiceWarnings } from '../../../src/ratelimit/limited-twice.js';
import { compileRateLimit } from '../../../src/ratelimit/section.js';
import { makeDeps } from '../../helpers/request.js';

const resource = compileRateLimit(
  {
    domains: [
      { domain: 'edge', descriptors: [{ key: 'remote_address', rate_limit: { unit: 'second', requests_per_unit: 50 } }] },
      { domain: 'watch', descriptors: [{ key: 'remote_address', shadow_mode: true, rate_limit: { unit: 'second', requests_per_unit: 5 } }] },
    ],
  },
  makeDeps({ live: false }),
);

const spec = (over: Partial<PolicySpec> = {}): PolicySpec => ({
  routes: [
    { name: 'limited', match: {}, checks: [{ 'rate-limit': { limits: { minute: 1 } } }] },
    { name: 'opted-out', match: {}, envoy: { rateLimit: false }, checks: [{ 'rate-limit': { limits: { minute: 1 } } }] },
    { name: 'plain', match: {}, checks: [{ headers: {} }] },
  ],
  ...over,
});

describe('limited twice', () => {
  it('names routes with a rate-limit check that Envoy also sends to an enforcing RLS domain', () => {
    const w = limitedTwiceWarnings(spec(), resource);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^routes\[0\]: route 'limited' is limited twice: .*RLS domain\(s\) edge /);
  });

  it('respects the domains Envoy renders', () => {
    expect(limitedTwiceWarnings(spec({ envoy: { ratelimit: { domains: ['watch'] } } }), resource)).toEqual([]);
  });
});
