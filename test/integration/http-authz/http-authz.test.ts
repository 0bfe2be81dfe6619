import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';

const policy = `
server: { httpAuthzPathPrefix: /authz }
clientIp: { from: peer }
identityHeaders: [x-user-id, x-user-roles, x-authenticated]
default: { action: deny, status: 404 }
routes:
  - name: internal
    match: { path: { prefix: /api/internal } }
    checks:
      - ip-policy: { allow: [10.0.0.0/8], deny: [10.0.0.42] }
  - name: users
    match: { path: { prefix: /api/users } }
    checks:
      - headers: { require: { x-request-id: true }, add: { x-user-id: svc-user }, response: { x-frame-options: DENY } }
`;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer(policy);
});
afterAll(async () => {
  await s.close();
});

const authz = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${s.httpAuthzPort}/authz${path}`, init);

describe('ext_authz HTTP service', () => {
  it('allows with 200, headers to add upstream, forged identity headers to remove, the principal and decision id', async () => {
    const res = await authz('/api/users?page=1', {
      headers: { 'x-request-id': 'r-1', 'x-user-roles': 'admin', 'x-authenticated': 'true', host: 'api.example.com', 'x-forwarded-for': '198.51.100.4' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-user-id')).toBe('svc-user');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const removed = res.headers.get('x-envoy-auth-headers-to-remove')!.split(', ').sort();
    expect(removed).toEqual(['x-authenticated', 'x-user-roles']);
    expect(res.headers.get('x-portcullis-decision-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-portcullis-route')).toBe('users');
    expect(await res.text()).toBe('');
  });

  it('denies with the status, headers and JSON body', async () => {
    const res = await authz('/api/users', { headers: { host: 'api.example.com' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(((await res.json()) as any).error).toBe('headers.missing');
    const nf = await authz('/other', { headers: { 'x-request-id': 'r' } });
    expect(nf.status).toBe(404);
  });

  it('judges the client IP Envoy appended to x-forwarded-for, not the TCP peer (Envoy)', async () => {
    const ok = await authz('/api/internal/x', { headers: { 'x-forwarded-for': '10.0.0.42, 10.1.2.3' } });
    expect(ok.status).toBe(200);
    const denied = await authz('/api/internal/x', { headers: { 'x-forwarded-for': '10.1.2.3, 10.0.0.42' } });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as any).error).toBe('ip.denied');
    // Without the header the peer is Envoy itself (here 127.0.0.1), which the allow list does not admit.
    expect((await authz('/api/internal/x')).status).toBe(403);
  });

  it('passes the body and refuses bad paths with a coded 400, not a 5xx', async () => {
    const post = await authz('/api/users', { method: 'POST', body: '{"a":1}', headers: { 'x-request-id': 'r', 'content-type': 'application/json' } });
    expect(post.status).toBe(200);
    const bad = await authz('/api%2Fusers', { headers: { 'x-request-id': 'r' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toBe('request.bad_path');
  });
});
