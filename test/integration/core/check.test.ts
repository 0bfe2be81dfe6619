import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envoyCheckRequest, headerMap, startTestServer, type TestServer } from '../../helpers/server.js';

const policy = `
server: { maxInFlight: 64 }
identityHeaders: [x-user-id, x-user-roles, x-authenticated]
default: { action: deny, status: 404 }
routes:
  - name: users
    match: { path: { prefix: /api/users }, methods: [GET, POST] }
    checks:
      - headers: { require: { x-request-id: true }, forbid: [x-debug], add: { x-user-id: anonymous, x-gateway: portcullis }, response: { x-frame-options: DENY } }
  - name: item
    match: { path: { template: '/items/{id}' } }
  - name: shadowed
    match: { path: { prefix: /shadow } }
    checks:
      - headers: { forbid: [x-debug], shadow: true }
  - name: tenant
    match: { path: { prefix: /t }, contextExtensions: { virtual_host: tenant } }
  - name: hosted
    match: { host: '*.example.org', path: { prefix: / } }
`;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer(policy);
});
afterAll(async () => {
  await s.close();
});

describe('Authorization/Check', () => {
  it('allows with headers set (append false), identity headers removed, response headers and metadata', async () => {
    const res = await s.check(envoyCheckRequest({ path: '/api/users?page=2', headers: { 'x-user-roles': 'admin', 'x-authenticated': 'true' } }));
    expect(res.status.code).toBe(0);
    const ok = res.ok_response;
    expect(headerMap(ok.headers)).toEqual({ 'x-user-id': 'anonymous', 'x-gateway': 'portcullis' });
    for (const h of ok.headers) expect(h.append).toEqual({ value: false });
    expect(ok.headers_to_remove.sort()).toEqual(['x-authenticated', 'x-user-roles']);
    expect(ok.headers_to_remove).not.toContain('x-user-id');
    expect(headerMap(ok.response_headers_to_add)).toEqual({ 'x-frame-options': 'DENY' });
    const md = res.dynamic_metadata.fields;
    expect(md.route.stringValue).toBe('users');
    expect(md.decision_id.stringValue).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('denies with the status, a JSON body and content-type', async () => {
    const res = await s.check(envoyCheckRequest({ path: '/api/users', headers: { 'x-debug': '1' } }));
    expect(res.status.code).not.toBe(0);
    expect(res.denied_response.status.code).toBe('BadRequest');
    expect(headerMap(res.denied_response.headers)['content-type']).toBe('application/json');
    const body = JSON.parse(res.denied_response.body);
    expect(body).toEqual({ error: 'headers.forbidden', message: 'A forbidden header is present', request_id: 'c0ffee00-0000-4000-8000-000000000001' });
  });

  it('applies the default deny to unmatched routes and methods', async () => {
    const a = await s.check(envoyCheckRequest({ path: '/nothing' }));
    expect(a.denied_response.status.code).toBe('NotFound');
    const b = await s.check(envoyCheckRequest({ method: 'DELETE', path: '/api/users' }));
    expect(JSON.parse(b.denied_response.body).error).toBe('route.not_found');
  });

  it('matches after normalization and refuses paths that do not normalize', async () => {
    for (const path of ['/api/%75sers', '//api/users', '/api/./users', '/x/../api/users']) {
      const res = await s.check(envoyCheckRequest({ path }));
      expect(res.status.code, path).toBe(0);
      expect(res.dynamic_metadata.fields.route.stringValue).toBe('users');
    }
    for (const path of ['/api%2Fusers', '/api/users/..%2F..%2Fadmin', '/../etc/passwd', '/api/%zz', '/a\\b']) {
      const res = await s.check(envoyCheckRequest({ path }));
      expect(res.denied_response?.status.code, path).toBe('BadRequest');
      expect(JSON.parse(res.denied_response.body).error).toBe('request.bad_path');
    }
  });

  it('matches templates, hosts and context extensions', async () => {
    expect((await s.check(envoyCheckRequest({ path: '/items/42' }))).status.code).toBe(0);
    expect((await s.check(envoyCheckRequest({ path: '/items/42/x' }))).status.code).not.toBe(0);
    expect((await s.check(envoyCheckRequest({ path: '/t/1', contextExtensions: { virtual_host: 'tenant' } }))).status.code).toBe(0);
    expect((await s.check(envoyCheckRequest({ path: '/t/1' }))).status.code).not.toBe(0);
    expect((await s.check(envoyCheckRequest({ path: '/any', host: 'a.example.org:8443' }))).status.code).toBe(0);
    expect((await s.check(envoyCheckRequest({ path: '/any', host: 'example.org' }))).status.code).not.toBe(0);
  });

  it('shadow mode records the denial but allows', async () => {
    const res = await s.check(envoyCheckRequest({ path: '/shadow', headers: { 'x-debug': '1' } }));
    expect(res.status.code).toBe(0);
  });

  it('answers hostile but decodable requests with coded 400 denies, never RPC errors', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) many[`x-h-${i}`] = 'v';
    const cases: Array<[object, string]> = [
      [{}, 'request.malformed'],
      [{ attributes: {} }, 'request.malformed'],
      [{ attributes: { request: { http: { path: '/api/users', headers: {} } } } }, 'request.malformed'],
      [envoyCheckRequest({ path: '/api/users', headers: many }), 'request.too_many_headers'],
      [envoyCheckRequest({ path: '/api/users', headers: { 'x-big': 'a'.repeat(1024 * 1024) } }), 'request.header_too_large'],
      [envoyCheckRequest({ path: '/api/users', headers: { 'x-bad': 'a\r\nb' } }), 'request.bad_header'],
    ];
    for (const [req, code] of cases) {
      const res = await s.check(req, { deadlineMs: 5000 });
      expect(res.status.code, code).not.toBe(0);
      expect(JSON.parse(res.denied_response.body).error, code).toBe(code);
    }
  });

  it('answers garbage bytes with INVALID_ARGUMENT and keeps serving', async () => {
    const grpc = await import('@grpc/grpc-js');
    const client = new grpc.Client(`127.0.0.1:${s.grpcPort}`, grpc.credentials.createInsecure());
    const err = await new Promise<any>((resolve) => {
      client.makeUnaryRequest('/envoy.service.auth.v3.Authorization/Check', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), (e) => resolve(e));
    });
    client.close();
    expect(err?.code).toBeDefined();
    expect([grpc.status.INVALID_ARGUMENT, grpc.status.INTERNAL]).toContain(err.code);
    expect((await s.check(envoyCheckRequest({ path: '/api/users' }))).status.code).toBe(0);
  });

  it('serves health for the known names and NOT_FOUND otherwise', async () => {
    for (const name of ['', 'envoy.service.auth.v3.Authorization', 'envoy.service.ratelimit.v3.RateLimitService']) {
      expect((await s.health(name)).status).toBe('SERVING');
    }
    await expect(s.health('nope')).rejects.toMatchObject({ code: 5 });
  });

  it('exposes healthz, readyz and metrics', async () => {
    expect((await s.admin('/healthz')).status).toBe(200);
    const ready = await s.admin('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, reasons: [], decisions: { dropped: 0 } });
    const metrics = await (await s.admin('/metrics')).text();
    expect(metrics).toMatch(/portcullis_decisions_total\{route="users",verdict="allow",code="ok"\} \d+/);
    expect(metrics).toContain('portcullis_check_duration_seconds_bucket');
  });
});
