/**
 * The `jwt-auth` check: finds a bearer token, verifies it with one of the policy's JWT providers (chosen by
 * the token's `iss`), applies the route's claim requirements, and on success injects identity headers and
 * sets the decision's identity. Each failure is one catalogue code with an RFC 6750 `WWW-Authenticate`.
 */
import { hash as digest } from 'node:crypto';
import type { CheckFactory } from '../../config/types.js';
import { PolicyError } from '../../config/types.js';
import type { ErrorCode } from '../../lib/errors.js';
import type { AuthzRequest, DenyOutcome, HeaderMutations, Outcome } from '../../pipeline/types.js';
import { claimAt, headerValueOf } from './claim-headers.js';
import { decodeToken } from './decode.js';
import type { JwtProvider } from './provider.js';
import { tokenFromSchema, type TokenSourceSpec } from './provider-spec.js';
import { JwtProviders } from './providers-section.js';
import { compileRequirements, requireSchema, type RequireSpec } from './requirements.js';
import { compileTokenSources, sourceKey } from './token-source.js';

export interface JwtAuthSpec {
  provider?: string;
  providers?: string[];
  /** Let requests without a token through, anonymous (a token that is present must still be valid). */
  optional?: boolean;
  /** Authenticate CORS preflights too (default true, as Kong does). */
  runOnPreflight?: boolean;
  /** Overrides the providers' token sources for this route. */
  tokenFrom?: TokenSourceSpec | TokenSourceSpec[];
  /** Request header to set from a claim (dotted path for nested claims): `{ x-user-id: sub }`. */
  headers?: Record<string, string>;
  /** Header set to `true` on success (e.g. `x-authenticated`). */
  authenticatedHeader?: string;
  /** Remove the header the token came from (`authorization`) before the request goes upstream. */
  removeAuthorization?: boolean;
  require?: RequireSpec;
  /** Replaces the JSON body of 401 answers (a string is sent as is). */
  denyBody?: string | Record<string, unknown>;
  /** Replaces the JSON body of 403 `insufficient_scope` answers. */
  forbiddenBody?: string | Record<string, unknown>;
  /** `realm` parameter of `WWW-Authenticate`. */
  realm?: string;
}

const headerName = { type: 'string', pattern: '^[!#$%&\'*+\\-.^_`|~0-9A-Za-z]+$' };
const bodySchema = { anyOf: [{ type: 'string' }, { type: 'object' }] };

/** Fixed, client-safe descriptions: nothing from the token is echoed back. */
const DESCRIPTIONS: Partial<Record<ErrorCode, string>> = {
  'jwt.malformed': 'The token is malformed',
  'jwt.bad_algorithm': 'The token algorithm is not accepted',
  'jwt.expired': 'The token has expired',
  'jwt.not_yet_valid': 'The token is not yet valid',
  'jwt.bad_signature': 'The token signature is invalid',
  'jwt.unknown_key': 'The token signing key is unknown',
  'jwt.wrong_issuer': 'The token issuer is not accepted',
  'jwt.wrong_audience': 'The token audience is not accepted',
  'jwt.invalid_claims': 'The token claims are not acceptable',
};

export const jwtAuthCheck: CheckFactory<JwtAuthSpec> = {
  kind: 'jwt-auth',
  codePrefix: 'jwt',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      provider: { type: 'string', minLength: 1 },
      providers: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
      optional: { type: 'boolean' },
      runOnPreflight: { type: 'boolean' },
      tokenFrom: tokenFromSchema,
      headers: { type: 'object', propertyNames: headerName, additionalProperties: { type: 'string', minLength: 1 } },
      authenticatedHeader: headerName,
      removeAuthorization: { type: 'boolean' },
      require: requireSchema,
      denyBody: bodySchema,
      forbiddenBody: bodySchema,
      realm: { type: 'string', pattern: '^[ !#-\\[\\]-~]{1,100}$' },
    },
  },
  setsHeaders: (spec) => [...Object.keys(spec.headers ?? {}), ...(spec.authenticatedHeader ? [spec.authenticatedHeader] : [])].map((h) => h.toLowerCase()),
  compile(spec, deps) {
    const names = spec.providers ?? (spec.provider !== undefined ? [spec.provider] : undefined);
    if (spec.provider !== undefined && spec.providers !== undefined) throw new PolicyError(`${deps.at}.providers`, 'set provider or providers, not both');
    const registry = deps.shared.providers;
    const available = registry instanceof JwtProviders ? registry.jwt : new Map<string, JwtProvider>();
    if (!names) {
      if (available.size !== 1) throw new PolicyError(deps.at, `name a provider (providers.jwt has ${available.size ? [...available.keys()].join(', ') : 'none'})`);
    }
    const providers = (names ?? [...available.keys()]).map((n) => {
      const p = available.get(n);
      if (!p) throw new PolicyError(`${deps.at}.${spec.providers ? 'providers' : 'provider'}`, `unknown JWT provider '${n}' (providers.jwt has ${available.size ? [...available.keys()].join(', ') : 'none'})`);
      return p;
    });

    let sources: TokenSourceSpec[];
    if (spec.tokenFrom !== undefined) sources = Array.isArray(spec.tokenFrom) ? spec.tokenFrom : [spec.tokenFrom];
    else {
      const seen = new Map<string, TokenSourceSpec>();
      for (const p of providers) for (const s of p.tokenSources) if (!seen.has(sourceKey(s))) seen.set(sourceKey(s), s);
      sources = [...seen.values()];
    }
    const extract = compileTokenSources(sources);
    const requirements = compileRequirements(spec.require, deps.at);
    const headerClaims = Object.entries(spec.headers ?? {}).map(([h, claim]) => [h.toLowerCase(), claim] as const);
    const authenticatedHeader = spec.authenticatedHeader?.toLowerCase();
    const removeToken = spec.removeAuthorization === true;
    const optional = spec.optional === true;
    const skipPreflight = spec.runOnPreflight === false;
    const anyCache = providers.some((p) => p.hasCache);
    const realm = spec.realm === undefined ? '' : `realm="${spec.realm}", `;

    const unauthorized = (code: ErrorCode, reason: string): DenyOutcome => {
      const description = DESCRIPTIONS[code];
      const out: DenyOutcome = {
        pass: false,
        status: 401,
        code,
        reason,
        // RFC 6750 section 3.1: a request with no credentials gets no error code.
        headers: { 'www-authenticate': description ? `Bearer ${realm}error="invalid_token", error_description="${description}"` : `Bearer${realm ? ` ${realm.slice(0, -2)}` : ''}` },
      };
      if (spec.denyBody !== undefined) out.body = spec.denyBody;
      return out;
    };
    const forbidden = (reason: string, scope: string | undefined): DenyOutcome => {
      const scopeParam = scope && /^[!#-[\]-~ ]*$/.test(scope) ? `, scope="${scope}"` : '';
      const out: DenyOutcome = {
        pass: false,
        status: 403,
        code: 'jwt.insufficient_scope',
        reason,
        headers: { 'www-authenticate': `Bearer ${realm}error="insufficient_scope", error_description="The token lacks the required permissions"${scopeParam}` },
      };
      if (spec.forbiddenBody !== undefined) out.body = spec.forbiddenBody;
      return out;
    };
    const preflightPass: Outcome = { pass: true, notes: { skipped: 'preflight' } };
    const anonymousPass: Outcome = { pass: true, notes: { anonymous: true } };

    return {
      name: 'jwt-auth',
      kind: 'jwt-auth',
      async run(req, ctx) {
        if (skipPreflight && isPreflight(req)) return preflightPass;
        const found = extract(req);
        if (!found) return optional ? anonymousPass : unauthorized('jwt.missing', 'no token');
        const nowSec = req.time / 1000;
        // One-shot hashing: half the cost of a Hash object on this hot path.
        const hash = anyCache ? digest('sha256', found.token, 'base64') : '';
        let claims: Readonly<Record<string, unknown>> | undefined;
        let provider: JwtProvider | undefined;
        let cached = false;
        if (anyCache) {
          for (const p of providers) {
            const hit = p.cached(hash, nowSec);
            if (hit) {
              claims = hit.claims;
              provider = p;
              cached = true;
              p.noteCache('hit');
              break;
            }
          }
        }
        if (!claims) {
          const decoded = decodeToken(found.token);
          if (!decoded) return unauthorized('jwt.malformed', 'not a compact JWS');
          const candidates = providers.filter((p) => p.acceptsIssuer(decoded.claims.iss));
          if (candidates.length === 0) return unauthorized('jwt.wrong_issuer', 'no provider accepts the issuer');
          let failure: { code: ErrorCode; reason: string } | undefined;
          for (const p of candidates) {
            if (anyCache) p.noteCache('miss');
            // KeysUnavailableError propagates: the pipeline answers jwt.error (503) or applies onError.
            const r = await p.verify(found.token, decoded, hash, nowSec);
            if (r.ok) {
              claims = r.claims;
              provider = p;
              break;
            }
            failure ??= r;
          }
          if (!claims) return unauthorized(failure!.code, `${candidates.length > 1 ? 'every provider refused: ' : ''}${failure!.reason}`);
        }
        if (requirements) {
          const failed = requirements(claims);
          if (failed) return forbidden(failed.reason, failed.scope);
        }
        const set: Record<string, string> = {};
        let skipped: string[] | undefined;
        for (const [h, claim] of headerClaims) {
          const raw = claimAt(claims, claim);
          if (raw === undefined) continue;
          const value = headerValueOf(raw);
          if (value === undefined) (skipped ??= []).push(h);
          else set[h] = value;
        }
        if (authenticatedHeader) set[authenticatedHeader] = 'true';
        const headers: HeaderMutations = { set };
        if (removeToken && found.header) headers.remove = [found.header];
        const principalRaw = claimAt(claims, provider!.principalClaim);
        const principal = typeof principalRaw === 'string' || typeof principalRaw === 'number' ? String(principalRaw) : '';
        ctx.identity = { principal, source: 'jwt', claims };
        const notes: Record<string, unknown> = { provider: provider!.name, cached };
        if (skipped) notes.skippedHeaders = skipped;
        return { pass: true, headers, notes };
      },
    };
  },
};

function isPreflight(req: AuthzRequest): boolean {
  return req.method === 'OPTIONS' && req.headers['origin'] !== undefined && req.headers['access-control-request-method'] !== undefined;
}

export { providersSection } from './providers-section.js';
