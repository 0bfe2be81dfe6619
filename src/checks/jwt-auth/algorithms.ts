/**
 * The JWS algorithms a provider may accept and the key each one needs. `none` is not here, so it can never be
 * allowed; and because a key is chosen by its family, an HS* token is never checked against an RSA or EC key.
 */

export type KeyFamily = { kty: 'RSA' } | { kty: 'EC'; crv: string } | { kty: 'OKP'; crv: string } | { kty: 'oct' };

export const ALGORITHMS = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
  HS256: { kty: 'oct' },
  HS384: { kty: 'oct' },
  HS512: { kty: 'oct' },
} as const satisfies Record<string, KeyFamily>;

export type Algorithm = keyof typeof ALGORITHMS;

export const ALGORITHM_NAMES = Object.keys(ALGORITHMS) as Algorithm[];

export function isAlgorithm(alg: unknown): alg is Algorithm {
  return typeof alg === 'string' && Object.prototype.hasOwnProperty.call(ALGORITHMS, alg);
}

export function isSymmetric(alg: Algorithm): boolean {
  return ALGORITHMS[alg].kty === 'oct';
}

/** Whether a JWK's type and curve suit `alg`. */
export function keyFitsAlgorithm(jwk: { kty?: unknown; crv?: unknown }, alg: Algorithm): boolean {
  const family: KeyFamily = ALGORITHMS[alg];
  if (jwk.kty !== family.kty) return false;
  return !('crv' in family) || jwk.crv === family.crv;
}
