/**
 * ajv errors as client-facing `{ location, message }` pairs. Messages come from the schema side only (ajv's
 * "must be >= 1", "must match format \"email\""): the offending value is never echoed, so a secret-looking
 * field (password, token, key, secret) cannot leak through a deny body or a decision record.
 */
import type { ErrorObject } from 'ajv';

export interface FieldError {
  location: string;
  message: string;
}

const PLAIN_NAME = /^[A-Za-z_$][\w$-]*$/;
const MAX_NAME = 64;

function sanitizeName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > MAX_NAME ? `${clean.slice(0, MAX_NAME)}...` : clean;
}

function appendToken(loc: string, token: string): string {
  if (/^\d+$/.test(token)) return `${loc}[${token}]`;
  const name = sanitizeName(token);
  return PLAIN_NAME.test(name) ? `${loc}.${name}` : `${loc}[${JSON.stringify(name)}]`;
}

/** Appends the tokens of a JSON pointer (`/items/0/name`) to a base location (`body`). */
export function locationOf(base: string, pointer: string): string {
  let loc = base;
  if (!pointer) return loc;
  for (const raw of pointer.slice(1).split('/')) loc = appendToken(loc, raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  return loc;
}

function childOf(err: ErrorObject): string | undefined {
  const p = err.params as Record<string, unknown>;
  for (const key of ['missingProperty', 'additionalProperty', 'unevaluatedProperty', 'propertyName']) {
    if (typeof p[key] === 'string') return p[key] as string;
  }
  return undefined;
}

// Summary errors of alternatives ("must match a schema in anyOf") and the null branch of a nullable
// ("must be null") say less than the branch errors beside them.
function isNoise(err: ErrorObject): boolean {
  if (err.keyword === 'anyOf' || err.keyword === 'oneOf') return true;
  return err.keyword === 'type' && (err.params as { type?: unknown }).type === 'null';
}

/** At most `max` distinct errors, located under `base` (`body`, `query`, ...). */
export function formatErrors(base: string, errors: readonly ErrorObject[] | null | undefined, max: number): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  const all = errors ?? [];
  const useful = all.filter((e) => !isNoise(e));
  for (const err of useful.length > 0 ? useful : all) {
    let location = locationOf(base, err.instancePath);
    const child = childOf(err);
    if (child !== undefined) location = appendToken(location, child);
    const message = err.message ?? `fails ${err.keyword}`;
    const key = `${location}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ location, message });
    if (out.length >= max) break;
  }
  return out;
}

export function describeErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.location}: ${e.message}`).join('; ');
}
