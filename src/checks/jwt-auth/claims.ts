/**
 * Registered-claim checks after the signature verified: issuer, audience, time window with clock skew,
 * lifetime cap and required claims. Each failure maps to one catalogue code.
 */
import type { ErrorCode } from '../../lib/errors.js';

export interface ClaimRules {
  /** Accepted `iss` values; undefined accepts any. */
  issuers: ReadonlySet<string> | undefined;
  /** Accepted audiences; the token's `aud` must include one. Undefined skips the check. */
  audiences: ReadonlySet<string> | undefined;
  skewSec: number;
  /** Longest accepted lifetime (`exp` minus `iat`, or minus now without `iat`); undefined: no cap. */
  maxLifetimeSec: number | undefined;
  requiredClaims: readonly string[];
}

export type ClaimFailure = { code: ErrorCode; reason: string };

export function checkClaims(claims: Readonly<Record<string, unknown>>, rules: ClaimRules, nowSec: number): ClaimFailure | undefined {
  const { exp, nbf, iat, iss, aud } = claims;
  for (const [name, v] of [['exp', exp], ['nbf', nbf], ['iat', iat]] as const) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) return { code: 'jwt.invalid_claims', reason: `claim ${name} is not a number` };
  }
  for (const name of rules.requiredClaims) {
    if (claims[name] === undefined || claims[name] === null) return { code: 'jwt.invalid_claims', reason: `required claim ${name} is missing` };
  }
  // RFC 7519: valid strictly before exp; accepted up to the skew after it.
  if (typeof exp === 'number' && nowSec >= exp + rules.skewSec) return { code: 'jwt.expired', reason: `expired at ${exp}` };
  if (typeof nbf === 'number' && nbf > nowSec + rules.skewSec) return { code: 'jwt.not_yet_valid', reason: `not valid before ${nbf}` };
  if (typeof iat === 'number' && iat > nowSec + rules.skewSec) return { code: 'jwt.not_yet_valid', reason: `issued in the future (${iat})` };
  if (rules.issuers && (typeof iss !== 'string' || !rules.issuers.has(iss))) return { code: 'jwt.wrong_issuer', reason: 'issuer not accepted' };
  if (rules.audiences) {
    const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!list.some((a) => typeof a === 'string' && rules.audiences!.has(a))) return { code: 'jwt.wrong_audience', reason: 'audience not accepted' };
  }
  if (rules.maxLifetimeSec !== undefined) {
    if (typeof exp !== 'number') return { code: 'jwt.invalid_claims', reason: 'no exp, and maxLifetime is set' };
    const from = typeof iat === 'number' ? iat : nowSec;
    if (exp - from > rules.maxLifetimeSec) return { code: 'jwt.invalid_claims', reason: `lifetime ${Math.round(exp - from)}s exceeds maxLifetime ${rules.maxLifetimeSec}s` };
  }
  return undefined;
}
