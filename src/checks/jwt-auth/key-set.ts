/**
 * Verification keys, imported once (one CryptoKey per key and accepted algorithm), and the choice of keys for
 * one token by its `alg` and `kid`.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { isSymmetric, keyFitsAlgorithm, type Algorithm } from './algorithms.js';

export interface VerificationKey {
  readonly kid: string | undefined;
  readonly alg: Algorithm;
  readonly key: CryptoKey;
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
export async function importPublicJwk(jwk: JWK, algorithms: readonly Algorithm[], kidOverride?: string): Promise<VerificationKey[]> {
  if (jwk.use !== undefined && jwk.use !== 'sig') return [];
  if (jwk.kty === 'oct') throw new KeyImportError('symmetric (oct) keys are not accepted here; use `secret`');
  if (jwk.d !== undefined) throw new KeyImportError('a private key was given where a public key is expected');
  if (jwk.kty === 'RSA' && typeof jwk.n === 'string' && Buffer.from(jwk.n, 'base64url').length * 8 < 2048) {
    throw new KeyImportError('RSA keys shorter than 2048 bits are refused');
  }
  const kid = kidOverride ?? (typeof jwk.kid === 'string' ? jwk.kid : undefined);
  const out: VerificationKey[] = [];
  for (const alg of algorithms) {
    if (isSymmetric(alg) || !keyFitsAlgorithm(jwk, alg)) continue;
    if (typeof jwk.alg === 'string' && jwk.alg !== alg) continue;
    const { alg: _a, use: _u, key_ops: _k, kid: _i, x5c: _x, ...material } = jwk;
    const key = (await importJWK({ ...material, ext: false }, alg)) as CryptoKey;
    out.push({ kid, alg, key });
  }
  return out;
}

/** A PEM public key, PKCS#1 RSA public key or X.509 certificate, as a JWK. */
export function pemToJwk(pem: string): { jwk: JWK; wasPrivate: boolean } {
  let keyObject: KeyObject;
  let wasPrivate = false;
  try {
    keyObject = createPublicKey(pem);
  } catch {
    throw new KeyImportError('not a PEM public key or certificate');
  }
  if (/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(pem)) wasPrivate = true;
  return { jwk: keyObject.export({ format: 'jwk' }) as JWK, wasPrivate };
}

/** Imports an HMAC secret for every HS* algorithm accepted. */
export async function importSecret(secret: Uint8Array, algorithms: readonly Algorithm[]): Promise<VerificationKey[]> {
  const out: VerificationKey[] = [];
  for (const alg of algorithms) {
    if (!isSymmetric(alg)) continue;
    const hash = `SHA-${alg.slice(2)}`;
    const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash }, false, ['verify']);
    out.push({ kid: undefined, alg, key });
  }
  return out;
}

