/**
 * Verification keys, imported once (one entry per key and accepted algorithm), and the choice of keys for one
 * token by its `alg` and `kid`.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { isSymmetric, keyFitsAlgorithm, type Algorithm } from './algorithms.js';

export interface VerificationKey {
  readonly kid: string | undefined;
  readonly alg: Algorithm;
  readonly key: KeyObject;
}

/** At most this many kid-less keys are tried for one token, so a key list cannot multiply signature checks. */
const MAX_CANDIDATES = 8;

export class KeySet {
  readonly #byAlg = new Map<Algorithm, VerificationKey[]>();
  readonly size: number;
  readonly kids: ReadonlySet<string>;

  constructor(keys: readonly VerificationKey[]) {
    for (const k of keys) {
      const list = this.#byAlg.get(k.alg);
      if (list) list.push(k);
      else this.#byAlg.set(k.alg, [k]);
    }
    this.size = keys.length;
    this.kids = new Set(keys.flatMap((k) => (k.kid === undefined ? [] : [k.kid])));
  }

  /**
   * Keys to try for a token: with a `kid`, the keys carrying it (or, failing that, keys that carry none, as
   * static PEM keys do); without one, every key for the algorithm.
   */
  select(alg: Algorithm, kid: string | undefined): VerificationKey[] {
    const forAlg = this.#byAlg.get(alg);
    if (!forAlg) return [];
    if (kid === undefined) return forAlg.slice(0, MAX_CANDIDATES);
    const exact = forAlg.filter((k) => k.kid === kid);
    return exact.length > 0 ? exact : forAlg.filter((k) => k.kid === undefined).slice(0, MAX_CANDIDATES);
  }
}

export class KeyImportError extends Error {}

/** Imports a public JWK for every accepted algorithm it suits; an unsuitable key yields no entries. */
export function importPublicJwk(jwk: JWK, algorithms: readonly Algorithm[], kidOverride?: string): VerificationKey[] {
  if (jwk.use !== undefined && jwk.use !== 'sig') return [];
  if (jwk.kty === 'oct') throw new KeyImportError('symmetric (oct) keys are not accepted here; use `secret`');
  if (jwk.d !== undefined) throw new KeyImportError('a private key was given where a public key is expected');
  const kid = kidOverride ?? (typeof jwk.kid === 'string' ? jwk.kid : undefined);
  const algs = algorithms.filter((alg) => !isSymmetric(alg) && keyFitsAlgorithm(jwk, alg) && (typeof jwk.alg !== 'string' || jwk.alg === alg));
  if (algs.length === 0) return [];
  let key: KeyObject;
  try {
    const { alg: _a, use: _u, key_ops: _k, kid: _i, x5c: _x, ...material } = jwk;
    key = createPublicKey({ key: material as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch {
    throw new KeyImportError(`not a usable ${String(jwk.kty)} public key`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (jwk.kty === 'RSA' && (bits === undefined || bits < 2048)) throw new KeyImportError('RSA keys shorter than 2048 bits are refused');
  return algs.map((alg) => ({ kid, alg, key }));
}

/** A PEM public key, PKCS#1 RSA public key or X.509 certificate, as a JWK. */
export function pemToJwk(pem: string): { jwk: JWK; wasPrivate: boolean } {
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey(pem);
  } catch {
    throw new KeyImportError('not a PEM public key or certificate');
  }
  const wasPrivate = /-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(pem);
  return { jwk: keyObject.export({ format: 'jwk' }) as JWK, wasPrivate };
}

/** An HMAC secret for every HS* algorithm accepted. */
export function importSecret(secret: Uint8Array, algorithms: readonly Algorithm[]): VerificationKey[] {
  const key = createSecretKey(secret);
  return algorithms.filter(isSymmetric).map((alg) => ({ kid: undefined, alg, key }));
}
