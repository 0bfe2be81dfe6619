/**
 * Identity checks inside the real policy compiler and pipeline: forged identity headers overwritten or removed,
 * deny bodies and challenges as Envoy will send them, the principal in metadata, the example policy working
 * with a token minted by `portcullis dev-token`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command as devToken } from '../../../src/cli/dev-token.js';
import { compilePolicy, type CompiledPolicy } from '../../../src/config/compile.js';
import { loadPolicy } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { runPipeline } from '../../../src/pipeline/run.js';
import { makeRequest, type TestRequest } from '../../helpers/request.js';
import { bearer, mint, rsaKey, type TestKey } from '../../unit/checks/jwt-auth/support.js';
import { startIssuer, type FakeIssuer } from './jwks-server.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const policies: CompiledPolicy[] = [];
let key: TestKey;
let issuer: FakeIssuer;

async function compile(text: string, dir = mkdtempSync(join(tmpdir(), 'identity-'))): Promise<CompiledPolicy> {
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, text);
  const loaded = await loadPolicy(file);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const policy = await compilePolicy(loaded.policy, { live: true, logger: silentLogger(), metrics: new Registry() });
  policies.push(policy);
  return policy;
}

const decide = (policy: CompiledPolicy, t: TestRequest) => runPipeline(policy, makeRequest(t), { deadline: Date.now() + 2000 });
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  key = await rsaKey('k1');
  issuer = await startIssuer([key.publicJwk]);
});

afterAll(async () => {
  for (const p of policies) await p.dispose();
  await issuer.close();
});

function policyText(dir: string): string {
  writeFileSync(join(dir, 'pub.pem'), key.publicPem);
  return `
identityHeaders: [x-user-id, x-user-roles, x-authenticated, x-consumer]
providers:
  jwt:
    main: { issuer: https://auth.example.com, keys: { file: pub.pem, kid: k1 }, algorithms: [RS256] }
    remote: { issuer: https://remote.example.com, keys: { jwks: "${issuer.url}/jwks.json" }, keyWait: 30ms }
routes:
  - name: users
    match: { path: { prefix: /api/users } }
    checks:
      - jwt-auth: { provider: main, headers: { x-user-id: sub, x-user-roles: roles }, authenticatedHeader: x-authenticated, removeAuthorization: true, denyBody: { error: Invalid token } }
  - name: remote
    match: { path: { prefix: /api/remote } }
    checks:
      - jwt-auth: { provider: remote }
  - name: remote-lenient
    match: { path: { prefix: /api/lenient } }
    checks:
      - jwt-auth: { provider: remote, onError: allow }
  - name: partners
    match: { path: { prefix: /api/partners } }
    checks:
      - api-key: { keys: [{ consumer: acme, key: { env: PORTCULLIS_TEST_ACME_KEY } }], headers: { x-consumer: consumer }, removeKey: true }
  - name: internal
    match: { path: { prefix: /api/internal/ } }
    checks:
      - ip-policy: { allow: [10.0.0.0/8, 172.16.0.0/12], deny: [10.0.0.42] }
  - name: open
    match: { path: { prefix: / } }
`;
}

describe('identity checks in the pipeline', () => {
  let policy: CompiledPolicy;
  beforeAll(async () => {
    process.env.PORTCULLIS_TEST_ACME_KEY = 'acme-0123456789abcdef';
    const dir = mkdtempSync(join(tmpdir(), 'identity-'));
    try {
      policy = await compile(policyText(dir), dir);
    } finally {
      delete process.env.PORTCULLIS_TEST_ACME_KEY;
    }
  });

  const forged = { 'x-user-id': 'admin', 'x-user-roles': 'admin', 'x-authenticated': 'true', 'x-consumer': 'root' };

  it('overwrites forged identity headers with the token\'s, and removes those the token does not carry', async () => {
    const token = await mint(key, { claims: { iat: now(), exp: now() + 600 }, omit: ['roles'] });
    const v = await decide(policy, { path: '/api/users/1', headers: { ...forged, ...bearer(token) } });
    expect(v.allow).toBe(true);
    expect(v.setHeaders).toEqual({ 'x-user-id': 'alice', 'x-authenticated': 'true' });
    expect(new Set(v.removeHeaders)).toEqual(new Set(['authorization', 'x-user-roles', 'x-consumer']));
    expect(v.principal).toBe('alice');
    expect(v.metadata.principal).toBe('alice');
  });

  it('removes every forged identity header on a route without authentication', async () => {
    const v = await decide(policy, { path: '/public', headers: forged });
    expect(v.allow).toBe(true);
    expect(v.setHeaders).toEqual({});
    expect(new Set(v.removeHeaders)).toEqual(new Set(Object.keys(forged)));
  });

  it('answers an invalid token with 401, the challenge and the exact body clients parse', async () => {
    const v = await decide(policy, { path: '/api/users', headers: { ...forged, ...bearer('not.a.token') } });
    expect(v).toMatchObject({ allow: false, status: 401, code: 'jwt.malformed' });
    expect(JSON.parse(v.body!)).toEqual({ error: 'Invalid token' });
    expect(v.responseHeaders['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(v.setHeaders).toEqual({});
  });

  it('a kid missing from a fetched JWKS is a 401 unknown_key, even while the issuer is down', async () => {
    issuer.failWith = 500;
    const token = await mint(key, { claims: { iss: 'https://remote.example.com', iat: now(), exp: now() + 600 }, kid: 'rotated-away' });
    // The JWKS is known (fetched at compile) but has no such kid: a refusal, not an outage.
    expect(await decide(policy, { path: '/api/remote', headers: bearer(token) })).toMatchObject({ allow: false, status: 401, code: 'jwt.unknown_key' });
    issuer.failWith = 0;
  });

  it('api-key: the consumer becomes the principal; the key header is stripped', async () => {
    const v = await decide(policy, { path: '/api/partners/x', headers: { ...forged, 'x-api-key': 'acme-0123456789abcdef' } });
    expect(v).toMatchObject({ allow: true, principal: 'acme', setHeaders: { 'x-consumer': 'acme' } });
    expect(v.removeHeaders).toContain('x-api-key');
    expect(v.removeHeaders).toContain('x-user-id');
    const bad = await decide(policy, { path: '/api/partners/x', headers: { 'x-api-key': 'guess' } });
    expect(bad).toMatchObject({ allow: false, status: 401, code: 'apikey.invalid' });
    expect(bad.body).not.toContain('guess');
  });

  it('ip-policy on the internal route, judged on the resolved client IP', async () => {
    expect((await decide(policy, { path: '/api/internal/x', peer: '10.1.2.3' })).allow).toBe(true);
    expect(await decide(policy, { path: '/api/internal/x', peer: '10.0.0.42' })).toMatchObject({ allow: false, status: 403, code: 'ip.denied' });
    expect(await decide(policy, { path: '/api/internal/x', peer: '203.0.113.5', headers: { 'x-forwarded-for': '10.1.2.3' } })).toMatchObject({ allow: false, code: 'ip.not_allowed' });
  });
});

describe('keys never fetched, in the pipeline', () => {
  it('503 jwt.error; allowed and marked degraded with onError: allow', async () => {
    const down = await startIssuer([key.publicJwk]);
    down.failWith = 503;
    process.env.PORTCULLIS_TEST_ACME_KEY = 'acme-0123456789abcdef';
    try {
      const dir = mkdtempSync(join(tmpdir(), 'identity-'));
      const policy = await compile(policyText(dir).replace(issuer.url, down.url), dir);
      expect(policy.readiness().join('\n')).toMatch(/jwt provider remote: keys not yet fetched/);
      const token = await mint(key, { claims: { iss: 'https://remote.example.com', iat: now(), exp: now() + 600 } });
      const v = await decide(policy, { path: '/api/remote', headers: bearer(token) });
      expect(v).toMatchObject({ allow: false, status: 503, code: 'jwt.error' });
      const lenient = await decide(policy, { path: '/api/lenient', headers: bearer(token) });
      expect(lenient.allow).toBe(true);
      expect(lenient.degraded.join()).toMatch(/error, allowed by onError/);
    } finally {
      delete process.env.PORTCULLIS_TEST_ACME_KEY;
      await down.close();
    }
  });
});

describe('the example policy and dev-token', () => {
  it('accepts a token minted by `portcullis dev-token` on /api/users and injects the gateway headers', async () => {
    let out = '';
    let err = '';
    const sink = (fn: (s: string) => void) => new Writable({ write(chunk, _e, cb) { fn(String(chunk)); cb(); } });
    const code = await devToken.run(
      ['--config', join(repo, 'envoy/portcullis.yaml'), '--sub', 'alice', '--roles', 'admin,reader', '--ttl', '10m', '--claim', 'tenant=acme'],
      { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env: {} },
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const token = out.trim();
    expect(token.split('.')).toHaveLength(3);
    const loaded = await loadPolicy(join(repo, 'envoy/portcullis.yaml'));
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const policy = await compilePolicy(loaded.policy, { live: false, logger: silentLogger(), metrics: new Registry() });
    policies.push(policy);
    const v = await decide(policy, { path: '/api/users?page=1', headers: { ...bearer(token), 'x-user-id': 'mallory' } });
    expect(v.checks.map((c) => `${c.kind}:${c.result}`)).toContain('jwt-auth:pass');
    expect(v.allow).toBe(true);
    expect(v.setHeaders).toMatchObject({ 'x-user-id': 'alice', 'x-user-roles': 'admin,reader', 'x-authenticated': 'true' });
    expect(v.removeHeaders).toContain('authorization');
    const denied = await decide(policy, { path: '/api/users', headers: bearer(`${token}x`) });
    expect(denied).toMatchObject({ allow: false, status: 401, code: 'jwt.bad_signature' });
    expect(JSON.parse(denied.body!)).toEqual({ error: 'Invalid token' });
    expect(await decide(policy, { path: '/api/internal/x', peer: '10.0.0.42' })).toMatchObject({ allow: false, code: 'ip.denied' });
  });

  it('refuses to mint for a provider without a development key, and explains bad arguments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'identity-'));
    writeFileSync(join(dir, 'pub.pem'), key.publicPem);
    writeFileSync(join(dir, 'p.yaml'), 'providers: { jwt: { prod: { issuer: https://x.example, keys: { file: pub.pem } } } }\nroutes: []\n');
    let err = '';
    const sink = (fn: (s: string) => void) => new Writable({ write(chunk, _e, cb) { fn(String(chunk)); cb(); } });
    const io = { stdout: sink(() => undefined), stderr: sink((s) => (err += s)), env: {} };
    expect(await devToken.run(['--config', join(dir, 'p.yaml'), '--sub', 'a', '--provider', 'prod'], io)).toBe(1);
    expect(err).toMatch(/has no devSigningKey/);
    await expect(devToken.run(['--config', join(dir, 'p.yaml')], io)).rejects.toThrow(/--sub is required/);
    await expect(devToken.run(['--config', join(dir, 'p.yaml'), '--sub', 'a', '--claim', 'exp=1'], io)).rejects.toThrow(/set by dev-token itself/);
  });
});
