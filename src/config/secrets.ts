/** Secret values from the policy: `{ env: NAME }`, `{ file: PATH }` (relative to the policy), or inline text. */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { SecretRef } from './types.js';

export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value === 'string') return true;
  if (!value || typeof value !== 'object') return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file');
}

/** Reads a secret; throws an Error naming the variable or file (never the value) when it cannot. */
export function resolveSecretValue(ref: SecretRef, policyDir: string): string {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const value = process.env[ref.env];
    if (value === undefined || value === '') throw new Error(`environment variable ${ref.env} is not set`);
    return value;
  }
  const path = isAbsolute(ref.file) ? ref.file : resolve(policyDir, ref.file);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read secret file ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
