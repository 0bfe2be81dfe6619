import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';

const policy = `
ratelimit:
  store: memory
  domains:
    - domain: edge
      descriptors:
        - key: remote_address
          rate_limit: { unit: minute, requests_per_unit: 2 }
default: { action: allow }
routes: []
`;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer(policy);
});
afterAll(async () => {
  await s.close();
});

const req = (ip: string) => ({ domain: 'edge', descriptors: [{ entries: [{ key: 'remote_address', value: ip }] }] });

describe('RateLimitService/ShouldRateLimit over gRPC', () => {
  it('answers OK until the limit, then OVER_LIMIT, with per-descriptor statuses', async () => {
    const a = await s.rls(req('198.51.100.1'));
    expect(a.overall_code).toBe('OK');
    expect(a.statuses[0].current_limit).toMatchObject({ requests_per_unit: 2, unit: 'MINUTE' });
    expect(a.statuses[0].limit_remaining).toBe(1);
    await s.rls(req('198.51.100.1'));
    const c = await s.rls(req('198.51.100.1'));
    expect(c.overall_code).toBe('OVER_LIMIT');
    expect(c.statuses[0].code).toBe('OVER_LIMIT');
    expect((await s.rls(req('198.51.100.2'))).overall_code).toBe('OK');
  });

  it('counts calls in metrics and health answers for the RLS service name', async () => {
    expect((await s.health('envoy.service.ratelimit.v3.RateLimitService')).status).toBe('SERVING');
    const metrics = await (await s.admin('/metrics')).text();
    expect(metrics).toMatch(/portcullis_ratelimit_requests_total\{code="OVER_LIMIT"\} [1-9]/);
  });
});
