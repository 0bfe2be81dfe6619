import { createHmac, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, UnsecuredJWT, base64url } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeToken } from '../../../../src/checks/jwt-auth/decode.js';
import type { JwtProviders } from '../../../../src/checks/jwt-auth/providers-section.js';
import { PolicyError } from '../../../../src/config/types.js';
import type { DenyOutcome, PassOutcome } from '../../../../src/pipeline/types.js';
import { makeContext, makeRequest, type TestRequest } from '../../../helpers/request.js';
import { bearer, compileCheck, compileProviders, gatewaySpec, ISSUER, mint, NOW, rsaKey, type TestKey } from './support.js';

let key: TestKey;
let other: TestKey;
let providers: JwtProviders;

beforeAll(async () => {
  key = await rsaKey('k1');
  other = await rsaKey('k-other');
  ({ providers } = await compileProviders({
    main: { issuer: ISSUER, keys: { pem: key.publicPem, kid: 'k1' }, algorithms: ['RS256'], clockSkew: '30s' },
  }));
});

function req(t: TestRequest & { at?: number } = {}) {
  return makeRequest({ time: (t.at ?? NOW) * 1000, ...t });
}

async function run(check: Awaited<ReturnType<typeof compileCheck>>, t: TestRequest & { at?: number }) {
  const ctx = makeContext();
  const out = await check.run(req(t), ctx);
  return { out, ctx };
}

describe('jwt-auth: the typical gateway setup', () => {
  it('verifies an RS256 token, injects identity headers, strips Authorization, sets the identity', async () => {
    const check = await compileCheck(providers, gatewaySpec);
    const token = await mint(key);
    const { out, ctx } = await run(check, { headers: bearer(token) });
    expect(out.pass).toBe(true);
    const pass = out as PassOutcome;
    expect(pass.headers?.set).toEqual({ 'x-user-id': 'alice', 'x-user-roles': 'admin,reader', 'x-authenticated': 'true' });
    expect(pass.headers?.remove).toEqual(['authorization']);
    expect(ctx.identity).toMatchObject({ principal: 'alice', source: 'jwt', claims: { sub: 'alice', iss: ISSUER } });
  });

  it('answers a missing token with 401 jwt.missing, a bare Bearer challenge and the body override', async () => {
    const check = await compileCheck(providers, gatewaySpec);
    const { out, ctx } = await run(check, {});
    expect(out).toMatchObject({ pass: false, status: 401, code: 'jwt.missing', body: { error: 'Invalid token' } });
    expect((out as DenyOutcome).headers?.['www-authenticate']).toBe('Bearer');
    expect(ctx.identity).toBeUndefined();
    // Another scheme is not a bearer token.
    expect((await run(check, { headers: { authorization: 'Basic YWxpY2U6cHc=' } })).out).toMatchObject({ code: 'jwt.missing' });
    expect((await run(check, { headers: { authorization: 'Bearer ' } })).out).toMatchObject({ code: 'jwt.missing' });
  });

  it('accepts the Bearer scheme in any case', async () => {
    const check = await compileCheck(providers, gatewaySpec);
    const token = await mint(key);
    expect((await run(check, { headers: { authorization: `bearer ${token}` } })).out.pass).toBe(true);
    expect((await run(check, { headers: { authorization: `BEARER ${token}` } })).out.pass).toBe(true);
  });
});

describe('jwt-auth: every failure cause has its code and challenge', () => {
  const expectInvalid = (out: unknown, code: string) => {
    expect(out).toMatchObject({ pass: false, status: 401, code });
    expect((out as DenyOutcome).headers?.['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
  };

  it('malformed tokens', async () => {
    const check = await compileCheck(providers, { provider: 'main' });
    const token = await mint(key);
    const [h, p, s] = token.split('.');
    for (const bad of ['abc', `${h}.${p}`, `${h}.${p}.${s}.x.y`, `${h}.${p}.${s}.`, `!!.${p}.${s}`, `${base64url.encode('not json')}.${p}.${s}`, `${base64url.encode('[1]')}.${p}.${s}`, `${h}.${base64url.encode('"str"')}.${s}`]) {
      expectInvalid((await run(check, { headers: bearer(bad) })).out, 'jwt.malformed');
    }
    // Oversized tokens are refused before any parsing (the core's header limits usually stop them first).
    expect(decodeToken(`${h}.${p}.${s}`)).toBeDefined();
    expect(decodeToken(`${h}.${p}${'A'.repeat(17000)}.${s}`)).toBeUndefined();
  });

  it('alg none is never accepted', async () => {
    const check = await compileCheck(providers, { provider: 'main' });
    const none = new UnsecuredJWT({ iss: ISSUER, sub: 'mallory', exp: NOW + 60 }).encode();
    expectInvalid((await run(check, { headers: bearer(none) })).out, 'jwt.bad_algorithm');
    // Nor with a signature part stuck on.
    expectInvalid((await run(check, { headers: bearer(`${none}c2ln`) })).out, 'jwt.bad_algorithm');
  });

  it('HS/RS confusion: an HS256 token signed with the public key is refused', async () => {
    const forged = await new SignJWT({ iss: ISSUER, sub: 'mallory', exp: NOW + 60 })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(new TextEncoder().encode(key.publicPem));
    const check = await compileCheck(providers, { provider: 'main' });
    expectInvalid((await run(check, { headers: bearer(forged) })).out, 'jwt.bad_algorithm');
    // Even where HS256 is accepted, HS tokens are checked only against the secret, never the RSA key.
    const { providers: mixed } = await compileProviders({
      main: { issuer: ISSUER, keys: { pem: key.publicPem }, secret: 'a-long-enough-shared-secret-for-hs256!!', algorithms: ['RS256', 'HS256'] },
    });
    const mixedCheck = await compileCheck(mixed, { provider: 'main' });
    expectInvalid((await run(mixedCheck, { headers: bearer(forged) })).out, 'jwt.bad_signature');
    expect((await run(mixedCheck, { headers: bearer(await mint(key)) })).out.pass).toBe(true);
  });

  it('a token signed by another key: bad signature (no kid) or unknown key (foreign kid on a kid-keyed set)', async () => {
    const check = await compileCheck(providers, { provider: 'main' });
    expectInvalid((await run(check, { headers: bearer(await mint(other, { kid: null })) })).out, 'jwt.bad_signature');
    expectInvalid((await run(check, { headers: bearer(await mint(other, { kid: 'k1' })) })).out, 'jwt.bad_signature');
    const { providers: jwkProviders } = await compileProviders({ main: { issuer: ISSUER, keys: { jwk: key.publicJwk } } });
    const jwkCheck = await compileCheck(jwkProviders, { provider: 'main' });
    expectInvalid((await run(jwkCheck, { headers: bearer(await mint(other)) })).out, 'jwt.unknown_key');
    expect((await run(jwkCheck, { headers: bearer(await mint(key)) })).out.pass).toBe(true);
  });

  it('a tampered payload breaks the signature', async () => {
    const check = await compileCheck(providers, { provider: 'main' });
    const [h, , s] = (await mint(key)).split('.');
    const evil = base64url.encode(JSON.stringify({ iss: ISSUER, sub: 'admin', exp: NOW + 60 }));
    expectInvalid((await run(check, { headers: bearer(`${h}.${evil}.${s}`) })).out, 'jwt.bad_signature');
  });

  it('exp at exactly the skew boundary: valid 1 ms before exp + skew, expired at it', async () => {
    const { providers: p } = await compileProviders({ main: { issuer: ISSUER, keys: { pem: key.publicPem }, clockSkew: '30s' } });
    const check = await compileCheck(p, { provider: 'main' });
    const token = await mint(key, { claims: { exp: NOW } });
    const edge = (NOW + 30) * 1000;
    expect((await check.run(makeRequest({ headers: bearer(token), time: edge - 1 }), makeContext())).pass).toBe(true);
    // Now cached: the cache must not outlive exp + skew either.
    expectInvalid(await check.run(makeRequest({ headers: bearer(token), time: edge }), makeContext()), 'jwt.expired');
    expectInvalid(await check.run(makeRequest({ headers: bearer(token), time: edge + 5000 }), makeContext()), 'jwt.expired');
    // Minus the skew: well inside.
    expect((await check.run(makeRequest({ headers: bearer(token), time: (NOW - 30) * 1000 }), makeContext())).pass).toBe(true);
  });

  it('nbf at exactly the skew boundary: valid at nbf - skew, not yet valid 1 ms before', async () => {
    const { providers: p } = await compileProviders({ main: { issuer: ISSUER, keys: { pem: key.publicPem }, clockSkew: 30_000, cache: false } });
    const check = await compileCheck(p, { provider: 'main' });
    const token = await mint(key, { claims: { nbf: NOW, iat: NOW - 100 } });
    const edge = (NOW - 30) * 1000;
    expect((await check.run(makeRequest({ headers: bearer(token), time: edge }), makeContext())).pass).toBe(true);
    expectInvalid(await check.run(makeRequest({ headers: bearer(token), time: edge - 1 }), makeContext()), 'jwt.not_yet_valid');
    // iat in the future beyond the skew is refused the same way.
    const future = await mint(key, { claims: { iat: NOW + 120 } });
    expectInvalid(await check.run(makeRequest({ headers: bearer(future), time: NOW * 1000 }), makeContext()), 'jwt.not_yet_valid');
  });

  it('wrong issuer and wrong audience', async () => {
    const { providers: p } = await compileProviders({ main: { issuer: ISSUER, keys: { pem: key.publicPem }, audiences: ['api'] } });
    const check = await compileCheck(p, { provider: 'main' });
    expectInvalid((await run(check, { headers: bearer(await mint(key, { claims: { iss: 'https://evil.example.com', aud: 'api' } })) })).out, 'jwt.wrong_issuer');
    expectInvalid((await run(check, { headers: bearer(await mint(key, { omit: ['iss'], claims: { aud: 'api' } })) })).out, 'jwt.wrong_issuer');
    expectInvalid((await run(check, { headers: bearer(await mint(key, { claims: { aud: 'other' } })) })).out, 'jwt.wrong_audience');
    expectInvalid((await run(check, { headers: bearer(await mint(key)) })).out, 'jwt.wrong_audience');
    expect((await run(check, { headers: bearer(await mint(key, { claims: { aud: ['other', 'api'] } })) })).out.pass).toBe(true);
  });

  it('maximum lifetime and required claims', async () => {
    const { providers: p } = await compileProviders({
      main: { issuer: ISSUER, keys: { pem: key.publicPem }, maxLifetime: '1h', requiredClaims: ['exp', 'sub', 'tenant'] },
    });
    const check = await compileCheck(p, { provider: 'main' });
    const ok = await mint(key, { claims: { tenant: 't1', iat: NOW, exp: NOW + 3600 } });
    expect((await run(check, { headers: bearer(ok) })).out.pass).toBe(true);
    expectInvalid((await run(check, { headers: bearer(await mint(key, { claims: { tenant: 't1', iat: NOW, exp: NOW + 3601 } })) })).out, 'jwt.invalid_claims');
    // Without iat, the lifetime counts from now.
    expectInvalid((await run(check, { headers: bearer(await mint(key, { omit: ['iat'], claims: { tenant: 't1', exp: NOW + 7200 } })) })).out, 'jwt.invalid_claims');
    expectInvalid((await run(check, { headers: bearer(await mint(key)) })).out, 'jwt.invalid_claims');
    expectInvalid((await run(check, { headers: bearer(await mint(key, { omit: ['sub'], claims: { tenant: 't1' } })) })).out, 'jwt.invalid_claims');
    // exp is required by default.
    const check2 = await compileCheck(providers, { provider: 'main' });
    expectInvalid((await run(check2, { headers: bearer(await mint(key, { omit: ['exp'] })) })).out, 'jwt.invalid_claims');
    expectInvalid((await run(check2, { headers: bearer(await mint(key, { claims: { exp: 'tomorrow' as unknown as number } })) })).out, 'jwt.invalid_claims');
  });
});

describe('jwt-auth: route requirements', () => {
  it('roles (all of / one of), scopes and claims; failure is 403 insufficient_scope', async () => {
    const check = await compileCheck(providers, {
      provider: 'main',
      require: { roles: ['admin'], scopes: ['users:read'], claims: { tenant: { equals: ['acme', 'globex'] }, email: { pattern: '@example\\.com$' } } },
      forbiddenBody: { error: 'Forbidden' },
    });
    const good = { scope: 'users:read users:write', tenant: 'acme', email: 'a@example.com' };
    expect((await run(check, { headers: bearer(await mint(key, { claims: good })) })).out.pass).toBe(true);
    const cases: Array<Record<string, unknown>> = [
      { ...good, roles: ['reader'] },
      { ...good, scope: 'users:write' },
      { ...good, tenant: 'initech' },
      { ...good, email: 'a@evil.com' },
    ];
    for (const claims of cases) {
      const { out, ctx } = await run(check, { headers: bearer(await mint(key, { claims })) });
      expect(out, JSON.stringify(claims)).toMatchObject({ pass: false, status: 403, code: 'jwt.insufficient_scope', body: { error: 'Forbidden' } });
      expect((out as DenyOutcome).headers?.['www-authenticate']).toMatch(/^Bearer error="insufficient_scope"/);
      expect(ctx.identity).toBeUndefined();
    }
    const scopeOut = (await run(check, { headers: bearer(await mint(key, { claims: { ...good, scope: 'x' } })) })).out as DenyOutcome;
    expect(scopeOut.headers?.['www-authenticate']).toContain('scope="users:read"');
  });

  it('anyOf roles, roles in a nested claim, scopes as an scp array', async () => {
    const check = await compileCheck(providers, {
      provider: 'main',
      require: { roles: { anyOf: ['ops', 'admin'] }, rolesClaim: 'realm_access.roles', scopes: { allOf: ['a', 'b'] } },
    });
    const ok = await mint(key, { claims: { realm_access: { roles: ['admin'] }, scp: ['a', 'b', 'c'] } });
    expect((await run(check, { headers: bearer(ok) })).out.pass).toBe(true);
    const noRole = await mint(key, { claims: { realm_access: { roles: ['dev'] }, scp: ['a', 'b'] } });
    expect((await run(check, { headers: bearer(noRole) })).out).toMatchObject({ code: 'jwt.insufficient_scope' });
  });
});

describe('jwt-auth: token sources, preflight, optional', () => {
  it('reads the token from a named header, a query parameter or a cookie', async () => {
    const token = await mint(key);
    const check = await compileCheck(providers, { provider: 'main', tokenFrom: [{ header: 'x-api-token' }, { query: 'access_token' }, { cookie: 'session' }] });
    expect((await run(check, { headers: { 'x-api-token': token } })).out.pass).toBe(true);
    expect((await run(check, { path: `/x?a=1&access_token=${token}` })).out.pass).toBe(true);
    expect((await run(check, { headers: { cookie: `theme=dark; session=${token}` } })).out.pass).toBe(true);
    // The default source is not consulted when overridden.
    expect((await run(check, { headers: bearer(token) })).out).toMatchObject({ code: 'jwt.missing' });
  });

  it('the provider tokenFrom is the default of its checks', async () => {
    const { providers: p } = await compileProviders({ main: { issuer: ISSUER, keys: { pem: key.publicPem }, tokenFrom: { header: 'authorization', prefix: 'JWT' } } });
    const check = await compileCheck(p, { provider: 'main', removeAuthorization: true });
    const token = await mint(key);
    const { out } = await run(check, { headers: { authorization: `JWT ${token}` } });
    expect(out).toMatchObject({ pass: true, headers: { remove: ['authorization'] } });
    expect((await run(check, { headers: bearer(token) })).out).toMatchObject({ code: 'jwt.missing' });
  });

  it('authenticates CORS preflights by default; skips them with runOnPreflight: false', async () => {
    const preflight = { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } };
    const strict = await compileCheck(providers, { provider: 'main' });
    expect((await run(strict, preflight)).out).toMatchObject({ code: 'jwt.missing' });
    const lenient = await compileCheck(providers, { provider: 'main', runOnPreflight: false });
    const { out, ctx } = await run(lenient, preflight);
    expect(out).toMatchObject({ pass: true, notes: { skipped: 'preflight' } });
    expect(ctx.identity).toBeUndefined();
    // A plain OPTIONS (no CORS headers) is not a preflight.
    expect((await run(lenient, { method: 'OPTIONS' })).out).toMatchObject({ code: 'jwt.missing' });
  });

  it('optional: anonymous without a token, identity with a valid one, 401 with a bad one', async () => {
    const check = await compileCheck(providers, { ...gatewaySpec, optional: true });
    const anon = await run(check, {});
    expect(anon.out).toMatchObject({ pass: true, notes: { anonymous: true } });
    expect((anon.out as PassOutcome).headers).toBeUndefined();
    expect(anon.ctx.identity).toBeUndefined();
    const named = await run(check, { headers: bearer(await mint(key)) });
    expect(named.ctx.identity?.principal).toBe('alice');
    expect((await run(check, { headers: bearer('x.y.z') })).out).toMatchObject({ code: 'jwt.malformed' });
  });
});

describe('jwt-auth: claims to headers', () => {
  it('never injects values with CR, LF, NUL or over 8 KiB; joins arrays; reads nested claims', async () => {
    const check = await compileCheck(providers, {
      provider: 'main',
      headers: { 'x-user-id': 'sub', 'x-user-roles': 'roles', 'x-tenant': 'org.tenant', 'x-big': 'big', 'x-nul': 'nul', 'x-obj': 'org', 'x-level': 'level', 'x-absent': 'nope' },
    });
    const claims = { sub: 'alice\r\nx-admin: true', roles: ['a', 'b'], org: { tenant: 'acme' }, big: 'x'.repeat(8 * 1024 + 1), nul: 'a\u0000b', level: 3 };
    const { out, ctx } = await run(check, { headers: bearer(await mint(key, { claims })) });
    expect(out.pass).toBe(true);
    const pass = out as PassOutcome;
    expect(pass.headers?.set).toEqual({ 'x-user-roles': 'a,b', 'x-tenant': 'acme', 'x-level': '3' });
    expect(pass.notes?.skippedHeaders).toEqual(['x-user-id', 'x-big', 'x-nul', 'x-obj']);
    // The principal is still the claim (records escape it); only header injection refuses it.
    expect(ctx.identity?.principal).toBe('alice\r\nx-admin: true');
    const exact = await run(check, { headers: bearer(await mint(key, { claims: { sub: 'y'.repeat(8 * 1024) } })) });
    expect((exact.out as PassOutcome).headers?.set?.['x-user-id']).toHaveLength(8 * 1024);
  });
});

describe('jwt-auth: cache of verified tokens', () => {
  it('verifies once, then serves from the cache; cache: false verifies every time', async () => {
    const { providers: p } = await compileProviders({ main: { issuer: ISSUER, keys: { pem: key.publicPem } } });
    const check = await compileCheck(p, { provider: 'main' });
    const token = await mint(key);
    expect((await run(check, { headers: bearer(token) })).out).toMatchObject({ notes: { cached: false } });
    expect((await run(check, { headers: bearer(token) })).out).toMatchObject({ notes: { cached: true } });
    const { providers: q } = await compileProviders({ main: { issuer: ISSUER, keys: { pem: key.publicPem }, cache: false } });
    const uncached = await compileCheck(q, { provider: 'main' });
    expect((await run(uncached, { headers: bearer(token) })).out).toMatchObject({ notes: { cached: false } });
    expect((await run(uncached, { headers: bearer(token) })).out).toMatchObject({ notes: { cached: false } });
  });

  it('a cached token still meets each route\'s own requirements', async () => {
    const { providers: p } = await compileProviders({ main: { issuer: ISSUER, keys: { pem: key.publicPem } } });
    const open = await compileCheck(p, { provider: 'main' });
    const adminOnly = await compileCheck(p, { provider: 'main', require: { roles: ['root'] } });
    const token = await mint(key);
    expect((await run(open, { headers: bearer(token) })).out.pass).toBe(true);
    expect((await run(adminOnly, { headers: bearer(token) })).out).toMatchObject({ code: 'jwt.insufficient_scope' });
  });

  it('is bounded by maxEntries', async () => {
    const { providers: p } = await compileProviders({ main: { issuer: ISSUER, keys: { pem: key.publicPem }, cache: { maxEntries: 2 } } });
    const check = await compileCheck(p, { provider: 'main' });
    const tokens = await Promise.all(['a', 'b', 'c'].map((sub) => mint(key, { claims: { sub } })));
    for (const t of tokens) await run(check, { headers: bearer(t) });
    // The oldest was evicted; the newest is still there.
    expect((await run(check, { headers: bearer(tokens[2]!) })).out).toMatchObject({ notes: { cached: true } });
    expect((await run(check, { headers: bearer(tokens[0]!) })).out).toMatchObject({ notes: { cached: false } });
  });
});

describe('jwt-auth: several providers, secrets, key sources', () => {
  it('picks the provider by iss', async () => {
    const { providers: p } = await compileProviders({
      main: { issuer: ISSUER, keys: { pem: key.publicPem } },
      partner: { issuer: 'https://partner.example.org', keys: { pem: other.publicPem }, principalClaim: 'email' },
    });
    const check = await compileCheck(p, { providers: ['main', 'partner'] });
    const a = await run(check, { headers: bearer(await mint(key)) });
    expect(a.out).toMatchObject({ pass: true, notes: { provider: 'main' } });
    const b = await run(check, { headers: bearer(await mint(other, { claims: { iss: 'https://partner.example.org', email: 'bob@partner.example.org' } })) });
    expect(b.out).toMatchObject({ pass: true, notes: { provider: 'partner' } });
    expect(b.ctx.identity?.principal).toBe('bob@partner.example.org');
    // The partner key cannot vouch for the main issuer.
    expect((await run(check, { headers: bearer(await mint(other)) })).out).toMatchObject({ code: 'jwt.bad_signature' });
    expect((await run(check, { headers: bearer(await mint(key, { claims: { iss: 'https://x.example' } })) })).out).toMatchObject({ code: 'jwt.wrong_issuer' });
  });

  it('HS256 with a shared secret, plain or base64 (secretIsBase64)', async () => {
    const secret = 'q'.repeat(40);
    const { providers: p } = await compileProviders({
      plain: { issuer: ISSUER, secret },
      b64: { issuer: 'https://b64.example', secret: Buffer.from(secret).toString('base64'), secretIsBase64: true },
    });
    const token = await mint({ privateKey: new TextEncoder().encode(secret) }, { alg: 'HS256', kid: null });
    expect((await run(await compileCheck(p, { provider: 'plain' }), { headers: bearer(token) })).out.pass).toBe(true);
    const token2 = await mint({ privateKey: new TextEncoder().encode(secret) }, { alg: 'HS256', kid: null, claims: { iss: 'https://b64.example' } });
    expect((await run(await compileCheck(p, { provider: 'b64' }), { headers: bearer(token2) })).out.pass).toBe(true);
    const wrong = await mint({ privateKey: new TextEncoder().encode('w'.repeat(40)) }, { alg: 'HS256', kid: null });
    expect((await run(await compileCheck(p, { provider: 'plain' }), { headers: bearer(wrong) })).out).toMatchObject({ code: 'jwt.bad_signature' });
    // An RS256 token is not accepted by an HS-only provider.
    expect((await run(await compileCheck(p, { provider: 'plain' }), { headers: bearer(await mint(key)) })).out).toMatchObject({ code: 'jwt.bad_algorithm' });
    expect(createHmac('sha256', secret).digest().length).toBe(32);
  });

  it('keys from a PEM file, a JWKS file and an environment variable; ES256 too', async () => {
    const { generateKeyPair, exportSPKI, exportJWK } = await import('jose');
    const ec = await generateKeyPair('ES256', { extractable: true });
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'jwt-keys-'));
    writeFileSync(join(dir, 'pub.pem'), key.publicPem);
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'ec1' }] }));
    process.env.PORTCULLIS_TEST_JWT_PEM = await exportSPKI(ec.publicKey);
    try {
      const { providers: p } = await compileProviders({
        main: { issuer: ISSUER, keys: [{ file: 'pub.pem', kid: 'k1' }, { file: 'jwks.json' }, { env: 'PORTCULLIS_TEST_JWT_PEM', kid: 'ec-env' }], algorithms: ['RS256', 'ES256'] },
      }, { dir });
      const check = await compileCheck(p, { provider: 'main' });
      expect((await run(check, { headers: bearer(await mint(key)) })).out.pass).toBe(true);
      const ecToken = await mint({ privateKey: ec.privateKey, kid: 'ec1' }, { alg: 'ES256' });
      expect((await run(check, { headers: bearer(ecToken) })).out.pass).toBe(true);
      const ecEnv = await mint({ privateKey: ec.privateKey, kid: 'ec-env' }, { alg: 'ES256' });
      expect((await run(check, { headers: bearer(ecEnv) })).out.pass).toBe(true);
    } finally {
      delete process.env.PORTCULLIS_TEST_JWT_PEM;
    }
  });
});

describe('jwt-auth: policy mistakes are reported at their key path', () => {
  it('unknown provider, or several providers and none named', async () => {
    await expect(compileCheck(providers, { provider: 'nope' })).rejects.toThrow(/unknown JWT provider 'nope'/);
    await expect(compileCheck(providers, { provider: 'nope' })).rejects.toBeInstanceOf(PolicyError);
    // With exactly one provider, naming it is optional.
    expect((await run(await compileCheck(providers, {}), { headers: bearer(await mint(key)) })).out.pass).toBe(true);
  });

  it('algorithms without matching key material; weak RSA keys; unreadable files', async () => {
    await expect(compileProviders({ a: { issuer: ISSUER, keys: { pem: key.publicPem }, algorithms: ['HS256'] } })).rejects.toThrow(/providers\.jwt\.a\.algorithms: HS256 need a secret/);
    await expect(compileProviders({ a: { issuer: ISSUER, secret: 'x'.repeat(32), algorithms: ['RS256'] } })).rejects.toThrow(/RS256 need keys/);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(compileProviders({ a: { issuer: ISSUER, keys: { pem: weak } } })).rejects.toThrow(/2048 bits/);
    await expect(compileProviders({ a: { issuer: ISSUER, keys: { file: 'missing.pem' } } })).rejects.toThrow(/providers\.jwt\.a\.keys\.file: cannot read missing\.pem/);
    await expect(compileProviders({ a: { issuer: ISSUER, keys: { pem: 'not a key' } } })).rejects.toThrow(/not a PEM public key/);
    await expect(compileProviders({ a: { issuer: ISSUER, keys: { pem: key.publicPem }, algorithms: ['ES256'] } })).rejects.toThrow(/no key suits/);
  });

  it('warns about a missing issuer, a short secret and a development key', async () => {
    const { deps } = await compileProviders({ a: { secret: 'short' , devSigningKey: { file: 'dev.pem' } } });
    const w = deps.warnings.join('\n');
    expect(w).toMatch(/no issuer set/);
    expect(w).toMatch(/5 bytes/);
    expect(w).toMatch(/development signing key/);
    expect(w).toMatch(/inline secret/);
  });
});
