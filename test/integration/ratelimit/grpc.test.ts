/**
 * Through the real server: ShouldRateLimit on the gRPC port as Envoy's ratelimit filter calls it, health for
 * the RateLimitService, the rate-limit check's 429 and headers in a CheckResponse, and the counters admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envoyCheckRequest, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;

const policy = `server: { grpc: 127.0.0.1:0, admin: 127.0.0.1:0 }
decisions: { stdout: false, sqlite: false }
ratelimit:
  store: memory
  failMode: open
  domains:
    - domain: edge
      descriptors:
        - key: remote_address
          rate_limit: { unit: minute, requests_per_unit: 2, name: per-ip }
        - key: generic_key
          value: free
          rate_limit: { unlimited: true }
default: { action: deny, status: 404 }
routes:
  - name: user-routes
    match: { path: { prefix: /api/users } }
    checks:
      - rate-limit: { limits: { minute: 2, hour: 50000 }, by: ip }
`;

beforeAll(async () => {
  server = await startTestServer(policy);
});
afterAll(async () => {
  await server?.close();
});

const rlsRequest = (ip: string, extra: object[] = []) => ({
  domain: 'edge',
  descriptors: [{ entries: [{ key: 'remote_address', value: ip }] }, ...extra],
  hits_addend: 0,
});

describe('RateLimitService over gRPC', () => {
  it('answers OK then OVER_LIMIT with per-descriptor statuses Envoy can build headers from', async () => {
    const first = await server.rls(rlsRequest('198.51.100.7', [{ entries: [{ key: 'generic_key', value: 'free' }] }]));
    expect(first.overall_code).toBe('OK');
    expect(first.statuses).toHaveLength(2);
    expect(first.statuses[0]).toMatchObject({ code: 'OK', current_limit: { requests_per_unit: 2, unit: 'MINUTE', name: 'per-ip' }, limit_remaining: 1 });
    expect(Number(first.statuses[0].duration_until_reset.seconds)).toBeGreaterThan(0);
    expect(first.statuses[1].current_limit ?? null).toBeNull();
    expect(first.statuses[1].limit_remaining).toBe(4294967295);
    await server.rls(rlsRequest('198.51.100.7'));
    const third = await server.rls(rlsRequest('198.51.100.7'));
    expect(third.overall_code).toBe('OVER_LIMIT');
    expect(third.statuses[0]).toMatchObject({ code: 'OVER_LIMIT', limit_remaining: 0 });
  });

  it('refuses malformed requests with INVALID_ARGUMENT', async () => {
    await expect(server.rls({ domain: '', descriptors: [{ entries: [{ key: 'a', value: 'b' }] }] })).rejects.toMatchObject({ code: 3 });
    await expect(server.rls({ domain: 'edge', descriptors: [] })).rejects.toMatchObject({ code: 3 });
    const unknown = await server.rls({ domain: 'nope', descriptors: [{ entries: [{ key: 'a', value: 'b' }] }] });
    expect(unknown.overall_code).toBe('OK');
  });

  it('health answers for the RateLimitService', async () => {
    expect(await server.health('envoy.service.ratelimit.v3.RateLimitService')).toMatchObject({ status: 'SERVING' });
  });
});

describe('rate-limit check over gRPC', () => {
  it('allows with response headers, then denies 429 with Retry-After; the counters API sees the count', async () => {
    const req = envoyCheckRequest({ path: '/api/users/1', peer: '192.0.2.44' });
    const ok = await server.check(req);
    expect(ok.status.code).toBe(0);
    const added = Object.fromEntries((ok.ok_response.response_headers_to_add ?? []).map((h: { header: { key: string; value: string } }) => [h.header.key.toLowerCase(), h.header.value]));
    expect(added).toMatchObject({ 'x-ratelimit-remaining-minute': '1', 'x-ratelimit-remaining-hour': '49999', 'ratelimit-limit': '2' });
    await server.check(req);
    const denied = await server.check(req);
    expect(denied.denied_response.status.code).toBe('TooManyRequests');
    const headers = Object.fromEntries(denied.denied_response.headers.map((h: { header: { key: string; value: string } }) => [h.header.key.toLowerCase(), h.header.value]));
    expect(Number(headers['retry-after'])).toBeGreaterThan(0);
    expect(headers['x-ratelimit-remaining-minute']).toBe('0');
    const counters = (await (await server.admin('/counters?route=user-routes&by=ip&value=192.0.2.44')).json()) as { counters: unknown[] };
    expect(counters.counters).toEqual(expect.arrayContaining([expect.objectContaining({ window: 'MINUTE', count: 3 })]));
  });
});
