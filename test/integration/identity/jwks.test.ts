import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JwtProviderSpec } from '../../../src/checks/jwt-auth/provider-spec.js';
import { KeysUnavailableError } from '../../../src/checks/jwt-auth/provider.js';
import type { JwtProviders } from '../../../src/checks/jwt-auth/providers-section.js';
import { providersSection } from '../../../src/checks/jwt-auth/providers-section.js';
import { makeContext, makeRequest } from '../../helpers/request.js';
import { bearer, compileCheck, compileProviders, mint, rsaKey, type TestKey } from '../../unit/checks/jwt-auth/support.js';
import { startIssuer, type FakeIssuer } from './jwks-server.js';

let k1: TestKey;
let k2: TestKey;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  [k1, k2] = await Promise.all([rsaKey('k1'), rsaKey('k2')]);
});

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(keys: TestKey[], provider: (issuer: FakeIssuer) => JwtProviderSpec, opts: { live?: boolean } = {}) {
  const issuer = await startIssuer(keys.map((k) => k.publicJwk));
  cleanups.push(() => issuer.close());
  const { providers, deps } = await compileProviders({ main: provider(issuer) }, opts);
  cleanups.push(() => providersSection.dispose!(providers));
  const check = await compileCheck(providers, { provider: 'main', headers: { 'x-user-id': 'sub' } });
  return { issuer, providers, check, deps };
}

const now = () => Math.floor(Date.now() / 1000);
const tokenFor = (key: TestKey, claims: Record<string, unknown> = {}) => mint(key, { claims: { iss: 'https://auth.example.com', iat: now(), exp: now() + 600, ...claims } });
const runWith = (check: Awaited<ReturnType<typeof compileCheck>>, token: string) => check.run(makeRequest({ headers: bearer(token) }), makeContext());

describe('jwt-auth with a JWKS URL on loopback', () => {
  it('fetches keys at compile, verifies tokens, and is ready', async () => {
    const { issuer, providers, check } = await setup([k1], (i) => ({ issuer: 'https://auth.example.com', keys: { jwks: `${i.url}/jwks.json` } }));
    expect(issuer.jwksHits).toBe(1);
    expect(providersSection.readiness!(providers)).toEqual([]);
    expect(await runWith(check, await tokenFor(k1))).toMatchObject({ pass: true, headers: { set: { 'x-user-id': 'alice' } } });
  });

  it('counts fetches, keys in use and cache hits in metrics', async () => {
    const { issuer, check, deps } = await setup([k1, k2], (i) => ({ issuer: 'https://auth.example.com', keys: { jwks: `${i.url}/jwks.json` } }));
    const token = await tokenFor(k1);
    await runWith(check, token);
    await runWith(check, token);
    issuer.failWith = 500;
    const text = await deps.metrics.metrics();
    expect(text).toContain('portcullis_jwt_key_fetches_total{provider="main",result="ok"} 1');
    expect(text).toContain('portcullis_jwt_keys{provider="main"} 2');
    expect(text).toContain('portcullis_jwt_token_cache_total{provider="main",result="miss"} 1');
    expect(text).toContain('portcullis_jwt_token_cache_total{provider="main",result="hit"} 1');
  });

  it('kid rotation: an unknown kid triggers one refresh, then verifies', async () => {
    const [t1, t2] = await Promise.all([tokenFor(k1, { sub: 'bob' }), tokenFor(k2)]);
    const { issuer, check } = await setup([k1], (i) => ({ issuer: 'https://auth.example.com', keys: { jwks: `${i.url}/jwks.json` }, keyRefresh: { cooldown: '600ms' }, keyWait: '2s' }));
    issuer.keys = [k1.publicJwk, k2.publicJwk];
    // Inside the cool-down after the first fetch, an unknown kid is refused without a fetch.
    expect(await runWith(check, t2)).toMatchObject({ pass: false, code: 'jwt.unknown_key' });
    expect(issuer.jwksHits).toBe(1);
    await new Promise((r) => setTimeout(r, 650));
    expect(await runWith(check, t2)).toMatchObject({ pass: true });
    expect(issuer.jwksHits).toBe(2);
    // The old key still works after the rotation.
    expect(await runWith(check, t1)).toMatchObject({ pass: true });
    expect(issuer.jwksHits).toBe(2);
  });

  it('a JWKS without kids serves tokens that carry one, without waiting on a refresh', async () => {
    const { publicJwk } = k1;
    const { kid: _drop, ...noKid } = publicJwk;
    const issuer = await startIssuer([noKid]);
    cleanups.push(() => issuer.close());
    const { providers } = await compileProviders({ main: { issuer: 'https://auth.example.com', keys: { jwks: `${issuer.url}/jwks.json` }, keyRefresh: { cooldown: '10ms' }, keyWait: '2s' } });
    cleanups.push(() => providersSection.dispose!(providers));
    const check = await compileCheck(providers, { provider: 'main' });
    await new Promise((r) => setTimeout(r, 20));
    issuer.delayMs = 1000;
    const started = performance.now();
    expect(await runWith(check, await tokenFor(k1))).toMatchObject({ pass: true });
    expect(performance.now() - started).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 100));
    expect(issuer.jwksHits).toBe(2); // a background refresh was started for the unseen kid
  });

  it('a flood of made-up kids costs at most one fetch per cool-down', async () => {
    const { issuer, check } = await setup([k1], (i) => ({ issuer: 'https://auth.example.com', keys: { jwks: `${i.url}/jwks.json` }, keyRefresh: { cooldown: '1m' }, keyWait: '500ms' }));
    const before = issuer.jwksHits;
    const forged = await Promise.all(Array.from({ length: 40 }, (_, i) => mint(k2, { kid: `bogus-${i}`, claims: { exp: now() + 60 } })));
    const outcomes = await Promise.all(forged.map((t) => runWith(check, t)));
    for (const o of outcomes) expect(o).toMatchObject({ pass: false, code: 'jwt.unknown_key' });
    expect(issuer.jwksHits - before).toBeLessThanOrEqual(1);
    // Later ones inside the cool-down do not fetch at all.
    const hits = issuer.jwksHits;
    expect(await runWith(check, await mint(k2, { kid: 'bogus-late' }))).toMatchObject({ code: 'jwt.unknown_key' });
    expect(issuer.jwksHits).toBe(hits);
  });

  it('keeps the last good keys when the issuer goes down', async () => {
    const { issuer, providers, check } = await setup([k1], (i) => ({
      issuer: 'https://auth.example.com',
      keys: { jwks: `${i.url}/jwks.json` },
      keyRefresh: { interval: '50ms', cooldown: '20ms', timeout: '200ms' },
      cache: false,
    }));
    issuer.failWith = 503;
    const hits = issuer.jwksHits;
    await new Promise((r) => setTimeout(r, 250));
    expect(issuer.jwksHits).toBeGreaterThan(hits); // it did try, and failed
    expect(await runWith(check, await tokenFor(k1))).toMatchObject({ pass: true });
    expect(providersSection.readiness!(providers)).toEqual([]);
    await issuer.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(await runWith(check, await tokenFor(k1))).toMatchObject({ pass: true });
  });

  it('with no keys ever fetched: not ready, and a request waits at most keyWait before jwt.error', async () => {
    const { issuer, providers, check } = await setup([k1], (i) => {
      i.failWith = 500;
      return { issuer: 'https://auth.example.com', keys: { jwks: `${i.url}/jwks.json` }, keyWait: '50ms', keyRefresh: { cooldown: '10ms', timeout: '1s' } };
    });
    expect(providersSection.readiness!(providers).join('\n')).toMatch(/jwt provider main: keys not yet fetched .*HTTP 500/);
    issuer.failWith = 0;
    issuer.delayMs = 600; // the issuer is back but slow
    await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    await expect(runWith(check, await tokenFor(k1))).rejects.toBeInstanceOf(KeysUnavailableError);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(45);
    expect(waited).toBeLessThan(500);
    // Once the slow fetch lands, the same token verifies.
    await new Promise((r) => setTimeout(r, 800));
    expect(providersSection.readiness!(providers)).toEqual([]);
    expect(await runWith(check, await tokenFor(k1))).toMatchObject({ pass: true });
  });

  it('refuses an oversized JWKS and a JWKS with no usable key', async () => {
    const big = await setup([k1], (i) => {
      i.padBytes = 20_000;
      return { issuer: 'https://auth.example.com', keys: { jwks: `${i.url}/jwks.json` }, keyRefresh: { maxBytes: '16KiB' } };
    });
    expect(providersSection.readiness!(big.providers).join('\n')).toMatch(/larger than 16384 bytes/);
    const none = await setup([], (i) => ({ issuer: 'https://auth.example.com', keys: { jwks: `${i.url}/jwks.json` } }));
    expect(providersSection.readiness!(none.providers).join('\n')).toMatch(/no usable signing key/);
  });

  it('does no network I/O when compiled for check-config (live: false)', async () => {
    const { issuer } = await setup([k1], (i) => ({ issuer: 'https://auth.example.com', keys: { jwks: `${i.url}/jwks.json` } }), { live: false });
    await new Promise((r) => setTimeout(r, 50));
    expect(issuer.jwksHits).toBe(0);
  });

  it('dispose stops the refresh timers', async () => {
    const { issuer, providers } = await setup([k1], (i) => ({ issuer: 'https://auth.example.com', keys: { jwks: `${i.url}/jwks.json` }, keyRefresh: { interval: '30ms' } }));
    await new Promise((r) => setTimeout(r, 100));
    expect(issuer.jwksHits).toBeGreaterThan(1);
    providersSection.dispose!(providers as JwtProviders);
    await new Promise((r) => setTimeout(r, 40));
    const hits = issuer.jwksHits;
    await new Promise((r) => setTimeout(r, 120));
    expect(issuer.jwksHits).toBe(hits);
  });
});

describe('jwt-auth with OpenID discovery', () => {
  it('finds the JWKS through the issuer\'s configuration', async () => {
    const issuer = await startIssuer([k1.publicJwk]);
    cleanups.push(() => issuer.close());
    const { providers } = await compileProviders({ main: { issuer: issuer.url, keys: { discovery: true } } });
    cleanups.push(() => providersSection.dispose!(providers));
    expect(issuer.discoveryHits).toBe(1);
    expect(issuer.jwksHits).toBe(1);
    const check = await compileCheck(providers, { provider: 'main' });
    expect(await runWith(check, await tokenFor(k1, { iss: issuer.url }))).toMatchObject({ pass: true });
  });

  it('refuses a configuration that names another issuer', async () => {
    const issuer = await startIssuer([k1.publicJwk]);
    cleanups.push(() => issuer.close());
    issuer.announcedIssuer = 'https://evil.example.com';
    const { providers } = await compileProviders({ main: { issuer: issuer.url, keys: { discovery: `${issuer.url}/.well-known/openid-configuration` } } });
    cleanups.push(() => providersSection.dispose!(providers));
    expect(issuer.jwksHits).toBe(0);
    expect(providersSection.readiness!(providers).join('\n')).toMatch(/issuer "https:\/\/evil\.example\.com" is not/);
  });

  it('needs exactly one issuer for discovery: true', async () => {
    await expect(compileProviders({ main: { issuers: ['https://a.example', 'https://b.example'], keys: { discovery: true } } }, { live: false })).rejects.toThrow(/exactly one issuer/);
  });
});
