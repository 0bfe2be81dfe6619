/**
 * `portcullis dev-token`: mints a token with a provider's development signing key, so the quick start and the
 * demo work offline. Only providers that name a `devSigningKey` can mint; production policies name none.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { importPKCS8, SignJWT } from 'jose';
import { isAlgorithm, isSymmetric, type Algorithm } from '../checks/jwt-auth/algorithms.js';
import type { JwtProviderSpec } from '../checks/jwt-auth/provider-spec.js';
import { loadPolicy } from '../config/load.js';
import { parseDuration } from '../lib/units.js';
import { configOption, configPath, parse, UsageError } from './args.js';
import type { CliCommand } from './types.js';

const RESERVED = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf']);

export const command: CliCommand = {
  name: 'dev-token',
  summary: 'mint a JWT with a provider\'s development signing key (development policies only)',
  usage: `portcullis dev-token --config FILE --sub SUBJECT [--roles a,b] [--ttl 1h] [--provider NAME] [--aud AUD]
                      [--claim key=value ...]

Signs a token for the provider's issuer (and first audience) with its devSigningKey and prints it on stdout.
--claim values are JSON when they parse as JSON (numbers, arrays), strings otherwise.

  TOKEN=$(portcullis dev-token --config envoy/portcullis.yaml --sub alice --roles admin,reader)
  curl -H "Authorization: Bearer $TOKEN" https://localhost:8443/api/users`,
  async run(argv, io) {
    const { values } = parse(argv, {
      ...configOption,
      sub: { type: 'string' },
      roles: { type: 'string' },
      ttl: { type: 'string' },
      provider: { type: 'string' },
      aud: { type: 'string' },
      claim: { type: 'string', multiple: true },
    });
    const file = configPath(values.config, io);
    if (!values.sub) throw new UsageError('--sub is required');
    let ttlSec: number;
    try {
      ttlSec = Math.round(parseDuration(values.ttl ?? '1h') / 1000);
    } catch {
      throw new UsageError(`--ttl ${values.ttl}: not a duration (e.g. 15m, 1h)`);
    }
    if (ttlSec <= 0) throw new UsageError('--ttl must be positive');
    const extra: Record<string, unknown> = {};
    for (const c of values.claim ?? []) {
      const eq = c.indexOf('=');
      if (eq <= 0) throw new UsageError(`--claim ${c}: expected key=value`);
      const key = c.slice(0, eq);
      if (RESERVED.has(key)) throw new UsageError(`--claim ${key}: set by dev-token itself (use --sub, --aud, --ttl)`);
      extra[key] = parseValue(c.slice(eq + 1));
    }

    const loaded = await loadPolicy(file);
    if (!loaded.ok) {
      io.stderr.write(`${loaded.errors.join('\n')}\n`);
      return 1;
    }
    const providers = ((loaded.policy.spec.providers as { jwt?: Record<string, JwtProviderSpec> } | undefined)?.jwt) ?? {};
    const withKey = Object.entries(providers).filter(([, p]) => p.devSigningKey);
    const name = values.provider ?? (withKey.length === 1 ? withKey[0]![0] : 'main');
    const provider = providers[name];
    if (!provider) {
      io.stderr.write(`portcullis dev-token: no JWT provider '${name}' in ${file} (has: ${Object.keys(providers).join(', ') || 'none'})\n`);
      return 1;
    }
    if (!provider.devSigningKey) {
      io.stderr.write(`portcullis dev-token: provider '${name}' has no devSigningKey; only development policies can mint tokens\n`);
      return 1;
    }
    const alg = (provider.algorithms ?? ['RS256']).find((a): a is Algorithm => isAlgorithm(a) && !isSymmetric(a));
    if (!alg) {
      io.stderr.write(`portcullis dev-token: provider '${name}' accepts no asymmetric algorithm\n`);
      return 1;
    }
    const keyPath = isAbsolute(provider.devSigningKey.file) ? provider.devSigningKey.file : resolve(loaded.policy.dir, provider.devSigningKey.file);
    let signingKey: Awaited<ReturnType<typeof importPKCS8>>;
    try {
      signingKey = await importPKCS8(await readFile(keyPath, 'utf8'), alg);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      io.stderr.write(`portcullis dev-token: cannot use ${provider.devSigningKey.file}: ${code ?? 'not a PKCS#8 private key for ' + alg}\n`);
      return 1;
    }

    const maxLifetimeSec = provider.maxLifetime === undefined ? undefined : parseDuration(provider.maxLifetime) / 1000;
    if (maxLifetimeSec !== undefined && ttlSec > maxLifetimeSec) {
      io.stderr.write(`portcullis dev-token: warning: --ttl exceeds the provider's maxLifetime (${maxLifetimeSec}s); the token will be refused\n`);
    }
    const issuer = provider.issuer ?? provider.issuers?.[0];
    const audience = values.aud ?? provider.audiences?.[0];
    const claims: Record<string, unknown> = { ...extra };
    if (values.roles !== undefined) claims.roles = values.roles.split(',').map((r) => r.trim()).filter(Boolean);
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg, typ: 'JWT', ...(provider.devSigningKey.kid ? { kid: provider.devSigningKey.kid } : {}) })
      .setSubject(values.sub)
      .setIssuedAt()
      .setExpirationTime(`${ttlSec}s`);
    if (issuer) jwt.setIssuer(issuer);
    if (audience) jwt.setAudience(audience);
    io.stdout.write(`${await jwt.sign(signingKey)}\n`);
    return 0;
  },
};

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
