/**
 * The example policy (envoy/portcullis.yaml) reproduces a typical gateway setup; these tests drive it over
 * gRPC exactly as Envoy would, with tokens minted by `dev-token`'s signer.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/process.js';
import { envoyCheckRequest, headerMap, startTestServer, type TestServer } from '../helpers/server.js';

const envoyDir = fileURLToPath(new URL('../../envoy/', import.meta.url));
let s: TestServer;
let token: string;

beforeAll(async () => {
  const policy = readFileSync(`${envoyDir}portcullis.yaml`, 'utf8');
  s = await startTestServer(policy, { copyFrom: envoyDir });
  const minted = await runCli(['dev-token', '--config', s.policyFile, '--sub', 'alice', '--roles', 'admin,reader'], { timeoutMs: 60_000 });
  expect(minted.code).toBe(0);
  token = minted.stdout.trim();
}, 90_000);

afterAll(async () => {
  await s?.close();
});

const bodyOf = (res: any) => JSON.parse(res.denied_response.body);
const users = (o: Parameters<typeof envoyCheckRequest>[0] = {}) =>
  envoyCheckRequest({ path: '/api/users?page=1', peer: '10.1.2.3', ...o, headers: { authorization: `Bearer ${token}`, ...o.headers } });

describe('the example policy', () => {
  it('authenticates /api/users with RS256, injects identity headers, strips the token', async () => {
    const res = await s.check(users({ headers: { 'x-user-roles': 'forged', 'x-consumer': 'forged' } }));
    expect(res.status.code).toBe(0);
    const set = headerMap(res.ok_response.headers);
    expect(set).toMatchObject({ 'x-user-id': 'alice', 'x-user-roles': 'admin,reader', 'x-authenticated': 'true' });
    for (const h of res.ok_response.headers) expect(h.append).toEqual({ value: false });
    expect(res.ok_response.headers_to_remove).toEqual(expect.arrayContaining(['authorization', 'x-consumer']));
    expect(res.ok_response.headers_to_remove).not.toContain('x-user-roles');
    expect(res.dynamic_metadata.fields.principal.stringValue).toBe('alice');
  });

  it('answers a missing or forged token with 401 and the body clients already parse', async () => {
    for (const authorization of ['', 'Bearer not.a.token', `Bearer ${token.slice(0, -4)}AAAA`]) {
      const res = await s.check(envoyCheckRequest({ path: '/api/users', headers: authorization ? { authorization } : {} }));
      expect(res.denied_response.status.code).toBe('Unauthorized');
      expect(bodyOf(res)).toEqual({ error: 'Invalid token' });
      expect(headerMap(res.denied_response.headers)['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('validates the user body and the page parameter', async () => {
    const ok = await s.check(users({ method: 'POST', body: JSON.stringify({ email: 'a@example.com', password: 'correct horse' }), headers: { 'content-type': 'application/json' } }));
    expect(ok.status.code).toBe(0);
    const short = await s.check(users({ method: 'POST', body: JSON.stringify({ email: 'a@example.com', password: 'short' }), headers: { 'content-type': 'application/json' } }));
    expect(short.denied_response.status.code).toBe('BadRequest');
    expect(JSON.stringify(bodyOf(short))).not.toContain('short"');
    const page = await s.check(users({ path: '/api/users?page=0' }));
    expect(page.denied_response.status.code).toBe('BadRequest');
  });

  it('allows 10.0.0.0/8 and 172.16.0.0/12 on /api/internal/ but refuses 10.0.0.42 and others', async () => {
    const at = (peer: string) => s.check(envoyCheckRequest({ path: '/api/internal/reports', peer }));
    expect((await at('10.9.8.7')).status.code).toBe(0);
    expect((await at('172.20.0.1')).status.code).toBe(0);
    expect(bodyOf(await at('10.0.0.42')).error).toBe('ip.denied');
    expect(bodyOf(await at('::ffff:10.0.0.42')).error).toBe('ip.denied');
    expect(bodyOf(await at('192.168.1.1')).error).toBe('ip.not_allowed');
  });

  it('refuses a content-length over the route limit and unknown paths', async () => {
    const big = await s.check(envoyCheckRequest({ method: 'POST', path: '/api/query', headers: { 'content-length': '2048' } }));
    expect(bodyOf(big).error).toBe('request.body_too_large');
    expect((await s.check(envoyCheckRequest({ path: '/admin' }))).denied_response.status.code).toBe('NotFound');
  });

  it('limits per consumer (1000 a minute, 50000 an hour) and shows clients the headers', async () => {
    const res = await s.check(users());
    const h = headerMap(res.ok_response.response_headers_to_add);
    expect(h['x-ratelimit-remaining-minute']).toMatch(/^\d+$/);
    expect(Number(h['x-ratelimit-remaining-hour'])).toBeGreaterThan(49_000);
    expect(Number(h['x-ratelimit-remaining-minute'])).toBeLessThan(1000);
  });

  it("serves the edge domain to Envoy's ratelimit filter (50 a second per client address)", async () => {
    const ip = '198.51.100.77';
    const answers = await Promise.all(Array.from({ length: 55 }, () => s.rls({ domain: 'edge', descriptors: [{ entries: [{ key: 'remote_address', value: ip }] }] })));
    const over = answers.filter((a) => a.overall_code === 'OVER_LIMIT').length;
    // A second boundary may fall inside the burst; at least the excess of one window is refused.
    expect(over).toBeGreaterThanOrEqual(1);
    expect(answers.filter((a) => a.overall_code === 'OK').length).toBeGreaterThanOrEqual(50);
  });

  it('blocks SQL injection in the URI and script in arguments, and passes benign look-alikes', async () => {
    const sqli = await s.check(users({ path: '/api/users?page=1&q=1%20UNION%20SELECT%20password%20FROM%20users' }));
    expect(bodyOf(sqli).error).toBe('waf.blocked');
    expect(sqli.denied_response.status.code).toBe('Forbidden');
    const xss = await s.check(envoyCheckRequest({ path: '/api/query?term=%3Cscript%3Ealert(1)%3C/script%3E' }));
    expect(bodyOf(xss).error).toBe('waf.blocked');
    const js = await s.check(envoyCheckRequest({ method: 'POST', path: '/api/query', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'next=javascript:alert(1)' }));
    expect(bodyOf(js).error).toBe('waf.blocked');
    for (const path of ['/api/users?page=1&q=select%20your%20plan', '/api/users?page=1&q=the%20union%20of%20sets']) {
      expect((await s.check(users({ path }))).status.code, path).toBe(0);
    }
    expect((await s.check(envoyCheckRequest({ path: '/api/query?term=scripting%20in%20javascript' }))).status.code).toBe(0);
  });
});
