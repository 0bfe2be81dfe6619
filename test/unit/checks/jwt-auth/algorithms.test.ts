import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { makeContext, makeRequest } from '../../../helpers/request.js';
import { bearer, compileCheck, compileProviders, ISSUER, NOW } from './support.js';

const claims = { iss: ISSUER, sub: 'alice', iat: NOW - 10, exp: NOW + 600 };
const at = (token: string) => makeRequest({ headers: bearer(token), time: NOW * 1000 });

function flip(token: string): string {
  const [h, p, s] = token.split('.');
  const sig = Buffer.from(s!, 'base64url');
  sig[sig.length >> 1] ^= 0x01;
  return `${h}.${p}.${sig.toString('base64url')}`;
}

const rsa: { publicKey: KeyObject; privateKey: KeyObject } = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('jwt-auth: every supported algorithm', () => {
  for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const) {
    it(`${alg}: verifies its own tokens, refuses a flipped bit and a token of another algorithm`, async () => {
      // One RSA key serves the six RSA algorithms (key generation is the slow part of this test).
      const { publicKey, privateKey } = alg.startsWith('RS') || alg.startsWith('PS') ? rsa : await generateKeyPair(alg, { extractable: true });
      const { providers } = await compileProviders({ main: { issuer: ISSUER, keys: { jwk: { ...(await exportJWK(publicKey)), kid: 'a' } }, algorithms: [alg], cache: false } });
      const check = await compileCheck(providers, { provider: 'main' });
      const token = await new SignJWT(claims).setProtectedHeader({ alg, kid: 'a' }).sign(privateKey);
      expect(await check.run(at(token), makeContext())).toMatchObject({ pass: true });
      expect(await check.run(at(flip(token)), makeContext())).toMatchObject({ code: 'jwt.bad_signature' });
      const other = alg === 'RS256' ? 'PS256' : 'RS256';
      const forged = `${Buffer.from(JSON.stringify({ alg: other, kid: 'a' })).toString('base64url')}.${token.split('.').slice(1).join('.')}`;
      expect(await check.run(at(forged), makeContext())).toMatchObject({ code: 'jwt.bad_algorithm' });
    });
  }

  for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
    it(`${alg}: verifies with the secret, refuses a flipped bit and a truncated signature`, async () => {
      const secret = 's'.repeat(64);
      const { providers } = await compileProviders({ main: { issuer: ISSUER, secret, algorithms: [alg], cache: false } });
      const check = await compileCheck(providers, { provider: 'main' });
      const token = await new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
      expect(await check.run(at(token), makeContext())).toMatchObject({ pass: true });
      expect(await check.run(at(flip(token)), makeContext())).toMatchObject({ code: 'jwt.bad_signature' });
      expect(await check.run(at(token.slice(0, -4)), makeContext())).toMatchObject({ code: 'jwt.bad_signature' });
    });
  }

  it('takes RSA keys as PKCS#1 PEM too', async () => {
    const pkcs1 = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs1).toContain('BEGIN RSA PUBLIC KEY');
    const { providers } = await compileProviders({ main: { issuer: ISSUER, keys: { pem: pkcs1 }, cache: false } });
    const check = await compileCheck(providers, { provider: 'main' });
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey);
    expect(await check.run(at(token), makeContext())).toMatchObject({ pass: true });
  });

  it('refuses crit and b64 header parameters (no extensions are understood)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const { providers } = await compileProviders({ main: { issuer: ISSUER, keys: { jwk: await exportJWK(publicKey) }, algorithms: ['ES256'] } });
    const check = await compileCheck(providers, { provider: 'main' });
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', crit: ['exp'], exp: 1 } as never).sign(privateKey).catch(() => undefined);
    const h = Buffer.from(JSON.stringify({ alg: 'ES256', crit: ['x-ext'], 'x-ext': 1 })).toString('base64url');
    const manual = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.AAAA`;
    expect(await check.run(at(token ?? manual), makeContext())).toMatchObject({ code: 'jwt.malformed' });
    expect(await check.run(at(manual), makeContext())).toMatchObject({ code: 'jwt.malformed' });
  });
});
