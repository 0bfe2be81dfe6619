/** The identity checks through the real gRPC server and admin port, as Envoy sees them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envoyCheckRequest, headerMap, startTestServer, type TestServer } from '../../helpers/server.js';
import { bearer, mint, rsaKey, type TestKey } from '../../unit/checks/jwt-auth/support.js';
import { startIssuer, type FakeIssuer } from './jwks-server.js';

let s: TestServer;
let issuer: FakeIssuer;
let key: TestKey;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  key = await rsaKey('k1');
  issuer = await startIssuer([key.publicJwk]);
  issuer.failWith = 503; // the issuer is down when the server starts
  s = await startTestServer(`
identityHeaders: [x-user-id, x-user-roles, x-authenticated]
providers:
  jwt:
    main:
      issuer: https://auth.example.com
      keys: { jwks: "${issuer.url}/jwks.json" }
      keyRefresh: { cooldown: 50ms, timeout: 1s }
      keyWait: 100ms
routes:
  - name: users
    match: { path: { prefix: /api/users } }
    checks:
      - jwt-auth: { provider: main, headers: { x-user-id: sub, x-user-roles: roles }, authenticatedHeader: x-authenticated, removeAuthorization: true, denyBody: { error: Invalid token } }
  - name: internal
    match: { path: { prefix: /api/internal/ } }
    checks:
      - ip-policy: { allow: [10.0.0.0/8, 172.16.0.0/12], deny: [10.0.0.42] }
`);
});

afterAll(async () => {
  await s?.close();
  await issuer?.close();
});

describe('identity over gRPC', () => {
  it('is not ready while the issuer is down, answers jwt.error 503, and recovers when it is back', async () => {
    const ready = await s.admin('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/jwt provider main: keys not yet fetched/);
    const token = await mint(key, { claims: { iat: now(), exp: now() + 600 } });
    const down = await s.check(envoyCheckRequest({ path: '/api/users', headers: bearer(token) }));
    expect(down.denied_response.status.code).toBe('ServiceUnavailable');
    expect(JSON.parse(down.denied_response.body).error).toBe('jwt.error');

    issuer.failWith = 0;
    // The next request may trigger the fetch itself (cool-down passed) and wait up to keyWait for it.
    let res: any;
    for (let i = 0; i < 20; i++) {
      res = await s.check(envoyCheckRequest({ path: '/api/users', headers: { ...bearer(token), 'x-user-id': 'mallory', 'x-authenticated': 'true' } }));
      if (res.status.code === 0) break;
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(res.status.code).toBe(0);
    expect((await s.admin('/readyz')).status).toBe(200);
    const ok = res.ok_response;
    expect(headerMap(ok.headers)).toEqual({ 'x-user-id': 'alice', 'x-user-roles': 'admin,reader', 'x-authenticated': 'true' });
    for (const h of ok.headers) expect(h.append).toEqual({ value: false });
    expect(ok.headers_to_remove).toContain('authorization');
    expect(res.dynamic_metadata.fields.principal.stringValue).toBe('alice');
  });

  it('denies a bad token with 401, the challenge, and the body clients already parse', async () => {
    const res = await s.check(envoyCheckRequest({ path: '/api/users', headers: bearer(await mint(key, { claims: { exp: now() - 3600, iat: now() - 7200 } })) }));
    expect(res.denied_response.status.code).toBe('Unauthorized');
    const headers = headerMap(res.denied_response.headers);
    expect(headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="The token has expired"');
    expect(JSON.parse(res.denied_response.body)).toEqual({ error: 'Invalid token' });
  });

  it('refuses 10.0.0.42 on the internal route and lets the rest of 10/8 in', async () => {
    const denied = await s.check(envoyCheckRequest({ path: '/api/internal/x', peer: '10.0.0.42' }));
    expect(denied.denied_response.status.code).toBe('Forbidden');
    expect(JSON.parse(denied.denied_response.body).error).toBe('ip.denied');
    expect((await s.check(envoyCheckRequest({ path: '/api/internal/x', peer: '10.0.0.43' }))).status.code).toBe(0);
  });
});
