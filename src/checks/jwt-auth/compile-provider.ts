/**
 * Turns a `providers.jwt.<name>` block into a JwtProvider: static keys and secrets imported once, remote key
 * sources started (only when the policy is compiled to serve), every mistake reported at its key path.
 */
import { readFile } from 'node:fs/promises';
import type { JWK } from 'jose';
import { Counter, Gauge } from 'prom-client';
import { PolicyError, type CompileDeps } from '../../config/types.js';
import { metric } from '../../lib/metrics.js';
import { parseDuration, parseSize } from '../../lib/units.js';
import { isSymmetric, type Algorithm } from './algorithms.js';
import { importPublicJwk, importSecret, KeyImportError, KeySet, pemToJwk, type VerificationKey } from './key-set.js';
import { JwtProvider } from './provider.js';
import type { JwtProviderSpec, KeySourceSpec } from './provider-spec.js';
import { RemoteKeys } from './remote-keys.js';
import { DEFAULT_TOKEN_SOURCES } from './token-source.js';

export const PROVIDER_DEFAULTS = {
  clockSkewMs: 30_000,
  keyWaitMs: 50,
  refreshIntervalMs: 10 * 60_000,
  refreshCooldownMs: 30_000,
  fetchTimeoutMs: 5_000,
  maxBytes: 512 * 1024,
  cacheEntries: 10_000,
  cacheTtlMs: 5 * 60_000,
  /** How long compiling a live policy waits for the first JWKS fetch before going on (keys arrive later). */
  firstFetchWaitMs: 3_000,
} as const;

function jwtMetrics(deps: CompileDeps) {
  const r = deps.metrics;
  return {
    cache: metric(r, 'portcullis_jwt_token_cache_total', () => new Counter({ name: 'portcullis_jwt_token_cache_total', help: 'Verified-token cache lookups by provider and result (hit, miss).', labelNames: ['provider', 'result'], registers: [r] })),
    fetches: metric(r, 'portcullis_jwt_key_fetches_total', () => new Counter({ name: 'portcullis_jwt_key_fetches_total', help: 'JWKS / discovery fetches by provider and result (ok, error).', labelNames: ['provider', 'result'], registers: [r] })),
    keys: metric(r, 'portcullis_jwt_keys', () => new Gauge({ name: 'portcullis_jwt_keys', help: 'Verification keys in use, by provider (one per key and algorithm).', labelNames: ['provider'], registers: [r] })),
  };
}

export async function compileProvider(name: string, spec: JwtProviderSpec, deps: CompileDeps): Promise<JwtProvider> {
  const at = `providers.jwt.${name}`;
  const algorithms = (spec.algorithms ?? (spec.secret !== undefined && spec.keys === undefined ? ['HS256'] : ['RS256'])) as Algorithm[];
  const symmetric = algorithms.filter(isSymmetric);
  const asymmetric = algorithms.filter((a) => !isSymmetric(a));
  if (symmetric.length > 0 && spec.secret === undefined) throw new PolicyError(`${at}.algorithms`, `${symmetric.join(', ')} need a secret`);
  if (asymmetric.length > 0 && spec.keys === undefined) throw new PolicyError(`${at}.algorithms`, `${asymmetric.join(', ')} need keys`);
  if (spec.secret !== undefined && symmetric.length === 0) throw new PolicyError(`${at}.secret`, 'a secret is set but no HS256/HS384/HS512 algorithm is accepted');
  if (spec.issuer !== undefined && spec.issuers !== undefined) throw new PolicyError(`${at}.issuers`, 'set issuer or issuers, not both');
  const issuerList = spec.issuers ?? (spec.issuer !== undefined ? [spec.issuer] : undefined);
  if (!issuerList) deps.warn(at, 'no issuer set: tokens from any issuer signed by these keys are accepted');
  if (spec.devSigningKey) deps.warn(`${at}.devSigningKey`, 'this provider trusts a development signing key: for development policies only');

  const staticKeys: VerificationKey[] = [];
  const remote: RemoteKeys[] = [];
  const m = jwtMetrics(deps);
  const refresh = spec.keyRefresh ?? {};
  const sources = spec.keys === undefined ? [] : Array.isArray(spec.keys) ? spec.keys : [spec.keys];
  for (const [i, source] of sources.entries()) {
    const sourceAt = Array.isArray(spec.keys) ? `${at}.keys[${i}]` : `${at}.keys`;
    if ('jwks' in source || 'discovery' in source) {
      let discoveryUrl: string | undefined;
      if ('discovery' in source) {
        if (source.discovery === true) {
          if (!issuerList || issuerList.length !== 1) throw new PolicyError(`${sourceAt}.discovery`, 'discovery: true needs exactly one issuer (or give the configuration URL)');
          discoveryUrl = `${issuerList[0]!.replace(/\/+$/, '')}/.well-known/openid-configuration`;
        } else {
          discoveryUrl = source.discovery;
        }
      }
      const url = 'jwks' in source ? source.jwks : discoveryUrl!;
      if (url.startsWith('http://') && !/^http:\/\/(127\.|\[::1\]|localhost[:/])/.test(url)) {
        deps.warn(sourceAt, 'keys fetched over plain http can be swapped in transit; use https');
      }
      remote.push(new RemoteKeys({
        provider: name,
        jwksUrl: 'jwks' in source ? source.jwks : undefined,
        discoveryUrl,
        expectedIssuer: discoveryUrl && issuerList?.length === 1 ? issuerList[0] : undefined,
        algorithms: asymmetric,
        intervalMs: parseDuration(refresh.interval ?? PROVIDER_DEFAULTS.refreshIntervalMs),
        cooldownMs: parseDuration(refresh.cooldown ?? PROVIDER_DEFAULTS.refreshCooldownMs),
        timeoutMs: parseDuration(refresh.timeout ?? PROVIDER_DEFAULTS.fetchTimeoutMs),
        maxBytes: parseSize(refresh.maxBytes ?? PROVIDER_DEFAULTS.maxBytes),
        logger: deps.logger,
        onFetch: (result) => {
          m.fetches.labels(name, result).inc();
          m.keys.labels(name).set(staticKeys.length + remote.reduce((n, r) => n + (r.keys?.size ?? 0), 0));
        },
      }));
      continue;
    }
    try {
      staticKeys.push(...(await importStaticSource(source, asymmetric, sourceAt, deps)));
    } catch (err) {
      if (err instanceof PolicyError) throw err;
      throw new PolicyError(sourceAt, err instanceof KeyImportError ? err.message : `cannot import key: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (sources.length > 0 && remote.length === 0 && staticKeys.length === 0) {
    throw new PolicyError(`${at}.keys`, `no key suits the accepted algorithms (${asymmetric.join(', ')})`);
  }
  if (spec.secret !== undefined) {
    const text = deps.resolveSecret(spec.secret, `${at}.secret`);
    // Node's base64 decoder takes the url-safe alphabet too.
    const bytes = spec.secretIsBase64 ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
    if (bytes.length === 0) throw new PolicyError(`${at}.secret`, 'the secret is empty');
    if (bytes.length < 32) deps.warn(`${at}.secret`, `the secret is ${bytes.length} bytes; HS256 wants at least 32`);
    staticKeys.push(...importSecret(bytes, symmetric));
  }
  m.keys.labels(name).set(staticKeys.length);

  const cacheSpec = spec.cache === false ? undefined : spec.cache ?? {};
  const provider = new JwtProvider({
    name,
    issuers: issuerList ? new Set(issuerList) : undefined,
    algorithms: new Set(algorithms),
    rules: {
      issuers: issuerList ? new Set(issuerList) : undefined,
      audiences: spec.audiences ? new Set(spec.audiences) : undefined,
      skewSec: parseDuration(spec.clockSkew ?? PROVIDER_DEFAULTS.clockSkewMs) / 1000,
      maxLifetimeSec: spec.maxLifetime === undefined ? undefined : parseDuration(spec.maxLifetime) / 1000,
      requiredClaims: spec.requiredClaims ?? ['exp'],
    },
    principalClaim: spec.principalClaim ?? 'sub',
    tokenSources: spec.tokenFrom === undefined ? DEFAULT_TOKEN_SOURCES : Array.isArray(spec.tokenFrom) ? spec.tokenFrom : [spec.tokenFrom],
    staticKeys: new KeySet(staticKeys),
    remote,
    keyWaitMs: parseDuration(spec.keyWait ?? PROVIDER_DEFAULTS.keyWaitMs),
    cache: cacheSpec && {
      maxEntries: cacheSpec.maxEntries ?? PROVIDER_DEFAULTS.cacheEntries,
      maxTtlMs: parseDuration(cacheSpec.maxTtl ?? PROVIDER_DEFAULTS.cacheTtlMs),
    },
    onCache: (() => {
      const hit = m.cache.labels(name, 'hit');
      const miss = m.cache.labels(name, 'miss');
      return (result: 'hit' | 'miss') => (result === 'hit' ? hit : miss).inc();
    })(),
  });
  // check-config and render-envoy compile without network I/O.
  if (deps.options.live && remote.length > 0) {
    await Promise.all(remote.map((r) => r.start(Math.min(PROVIDER_DEFAULTS.firstFetchWaitMs, parseDuration(refresh.timeout ?? PROVIDER_DEFAULTS.fetchTimeoutMs)))));
  }
  return provider;
}

async function importStaticSource(source: KeySourceSpec, algorithms: readonly Algorithm[], at: string, deps: CompileDeps): Promise<VerificationKey[]> {
  if ('jwk' in source) return importPublicJwk(source.jwk as JWK, algorithms);
  let text: string;
  let kid: string | undefined;
  if ('file' in source) {
    kid = source.kid;
    try {
      text = await readFile(deps.resolvePath(source.file), 'utf8');
    } catch (err) {
      throw new PolicyError(`${at}.file`, `cannot read ${source.file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else if ('env' in source) {
    kid = source.kid;
    const value = process.env[source.env];
    if (!value) throw new PolicyError(`${at}.env`, `environment variable ${source.env} is not set`);
    text = value;
  } else if ('pem' in source) {
    kid = source.kid;
    text = source.pem;
  } else {
    throw new PolicyError(at, 'unknown key source');
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      throw new KeyImportError('not valid JSON (expected a JWK or a JWKS)');
    }
    const list = Array.isArray((doc as { keys?: unknown }).keys) ? ((doc as { keys: unknown[] }).keys) : [doc];
    const out: VerificationKey[] = [];
    for (const jwk of list) out.push(...importPublicJwk(jwk as JWK, algorithms, list.length === 1 ? kid : undefined));
    return out;
  }
  const { jwk, wasPrivate } = pemToJwk(trimmed);
  if (wasPrivate) deps.warn(at, 'a private key was given; only its public half is used, but keep private keys out of policies');
  return importPublicJwk(jwk, algorithms, kid);
}
