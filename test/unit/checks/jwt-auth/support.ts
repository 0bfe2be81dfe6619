/** Shared pieces of the jwt-auth tests: keys generated per run, token minting, check compilation. */
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { jwtAuthCheck, type JwtAuthSpec } from '../../../../src/checks/jwt-auth/index.js';
import type { JwtProviderSpec } from '../../../../src/checks/jwt-auth/provider-spec.js';
import { providersSection, type JwtProviders } from '../../../../src/checks/jwt-auth/providers-section.js';
import type { Check } from '../../../../src/pipeline/types.js';
import { makeCheckDeps, makeDeps } from '../../../helpers/request.js';

export interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicPem: string;
  publicJwk: JWK;
}

export async function rsaKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicKey, publicPem: await exportSPKI(publicKey), publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig' } };
}

export const ISSUER = 'https://auth.example.com';
/** A fixed "now" (seconds) so time-window tests are exact; requests carry it as `time`. */
export const NOW = 1_900_000_000;

export interface MintOptions {
  alg?: string;
  kid?: string | null;
  claims?: JWTPayload & Record<string, unknown>;
  /** Drop these claims from the defaults. */
  omit?: string[];
}

export async function mint(key: TestKey | { privateKey: CryptoKey | Uint8Array; kid?: string }, o: MintOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = { iss: ISSUER, sub: 'alice', roles: ['admin', 'reader'], iat: NOW - 10, exp: NOW + 3600, ...o.claims };
  for (const c of o.omit ?? []) delete claims[c];
  const header: Record<string, unknown> = { alg: o.alg ?? 'RS256', typ: 'JWT' };
  const kid = o.kid === undefined ? key.kid : o.kid;
  if (kid !== null && kid !== undefined) header.kid = kid;
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

export async function compileProviders(jwt: Record<string, JwtProviderSpec>, opts: { live?: boolean; dir?: string } = {}) {
  const deps = makeDeps({ live: opts.live ?? true, dir: opts.dir });
  const providers = await providersSection.compile({ jwt }, deps);
  return { providers, deps };
}

export async function compileCheck(providers: JwtProviders, spec: JwtAuthSpec = {}): Promise<Check> {
  return jwtAuthCheck.compile(spec, makeCheckDeps({ shared: { providers } }));
}

/** The typical gateway check: sub and roles to headers, x-authenticated, token stripped, body override. */
export const gatewaySpec: JwtAuthSpec = {
  provider: 'main',
  headers: { 'x-user-id': 'sub', 'x-user-roles': 'roles' },
  authenticatedHeader: 'x-authenticated',
  removeAuthorization: true,
  denyBody: { error: 'Invalid token' },
};

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
