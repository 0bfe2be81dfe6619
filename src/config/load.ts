/**
 * Reads a policy file: YAML parsed with positions, validated against the composed JSON Schema (unknown keys
 * rejected), every error reported as `file:line key.path: message`.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document } from 'yaml';
import type { LoadedPolicy, PolicySpec } from './policy-spec.js';
import { buildPolicySchema } from './schema.js';

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
const addFormats = (ajvFormats as unknown as { default: (ajv: Ajv) => Ajv }).default;

export type LoadResult = { ok: true; policy: LoadedPolicy } | { ok: false; errors: string[] };

let validator: ValidateFunction | undefined;

function policyValidator(): ValidateFunction {
  if (validator) return validator;
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  addFormats(ajv);
  validator = ajv.compile(buildPolicySchema());
  return validator;
}

/** `['routes', 2, 'match']` -> `routes[2].match`. */
export function formatKeyPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${p}` : p;
  }
  return out || '(root)';
}

/** `routes[2].match.path` -> `['routes', 2, 'match', 'path']`. */
export function parseKeyPath(at: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of at.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[1]!);
  }
  return out;
}

/** Maps key paths to source lines of one YAML document. */
export class PolicyLocator {
  constructor(private readonly file: string, private readonly doc: Document, private readonly lines: LineCounter) {}

  /** `policy.yaml:14` for the deepest node of `path` that exists (the key itself when the value is absent). */
  locate(path: ReadonlyArray<string | number>): string {
    let node: unknown = this.doc.contents;
    let offset: number | undefined = (node as { range?: [number] } | null)?.range?.[0];
    for (const key of path) {
      if (!isMap(node) && !(node && typeof node === 'object' && 'items' in node)) break;
      const items = (node as { items: unknown[] }).items;
      let next: unknown;
      if (isMap(node)) {
        const pair = items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair || !isPair(pair)) break;
        offset = (pair.key as { range?: [number] }).range?.[0] ?? offset;
        next = pair.value;
      } else {
        next = typeof key === 'number' ? items[key] : undefined;
        if (next === undefined) break;
        offset = (next as { range?: [number] }).range?.[0] ?? offset;
      }
      node = next;
    }
    const line = offset === undefined ? 1 : this.lines.linePos(offset).line;
    return `${basename(this.file)}:${line}`;
  }

  format(at: string | ReadonlyArray<string | number>, message: string): string {
    const path = typeof at === 'string' ? parseKeyPath(at) : at;
    return `${this.locate(path)} ${formatKeyPath(path)}: ${message}`;
  }
}

function pointerToPath(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** One readable message per distinct problem; anyOf/oneOf noise reduced to its most specific branch. */
function describeErrors(errors: ErrorObject[], locator: PolicyLocator): string[] {
  const out = new Map<string, string>();
  // Errors at the deepest paths are the most specific; a parent's anyOf/oneOf error adds nothing then.
  const deepest = new Set<string>();
  for (const e of errors) deepest.add(e.instancePath);
  for (const e of errors) {
    const path = pointerToPath(e.instancePath);
    let message: string;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        const parent = formatKeyPath(path);
        if (/^routes\[\d+\]\.checks\[\d+\]$/.test(parent)) {
          message = `unknown check kind '${key}'`;
        } else {
          message = `unknown key '${key}'`;
        }
        path.push(key);
        break;
      }
      case 'required':
        message = `missing required key '${(e.params as { missingProperty: string }).missingProperty}'`;
        break;
      case 'enum':
        message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'const':
        message = `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
        break;
      case 'pattern':
        message = patternMessage(path, (e.params as { pattern: string }).pattern);
        break;
      case 'anyOf':
      case 'oneOf': {
        // If a more specific error exists below this path, skip the combinator summary.
        const hasChild = [...deepest].some((p) => p !== e.instancePath && p.startsWith(e.instancePath + '/'));
        const sameLevel = errors.some((o) => o !== e && o.instancePath === e.instancePath && o.keyword !== 'anyOf' && o.keyword !== 'oneOf');
        if (hasChild || sameLevel) continue;
        message = 'does not match any allowed form';
        break;
      }
      default:
        message = e.message ?? e.keyword;
    }
    const line = locator.format(path, message);
    out.set(line, line);
  }
  return [...out.values()];
}

function patternMessage(path: Array<string | number>, pattern: string): string {
  const last = path[path.length - 1];
  if (pattern === '^/') return 'must start with /';
  if (last === 'name') return 'must be letters, digits, and _ . - (at most 64 characters)';
  return `must match ${pattern}`;
}

/** Reads and validates a policy file. Never throws for a bad file: errors come back as lines. */
export async function loadPolicy(file: string): Promise<LoadResult> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, errors: [`${file}: cannot read policy file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`] };
  }
  return parsePolicyText(text, path);
}

/** Validates policy text as if read from `file` (used by loadPolicy and by tests). */
export function parsePolicyText(text: string, file: string): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // A YAML syntax error cascades into many; the first is the one to fix.
    const first = doc.errors[0]!;
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more after it)` : '';
    return { ok: false, errors: [`${basename(file)}:${first.linePos?.[0]?.line ?? 1} YAML syntax: ${first.message.split('\n')[0]}${more}`] };
  }
  const locator = new PolicyLocator(file, doc, lines);
  const spec = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    return { ok: false, errors: [`${basename(file)}:1 (root): the policy must be a YAML mapping`] };
  }
  normalizeNullChecks(spec as Record<string, unknown>);
  const validate = policyValidator();
  if (!validate(spec)) {
    return { ok: false, errors: describeErrors(validate.errors ?? [], locator) };
  }
  const policy: LoadedPolicy = { file, dir: dirname(file), spec: spec as PolicySpec, text, warnings: [] };
  locators.set(policy, locator);
  return { ok: true, policy };
}

const locators = new WeakMap<LoadedPolicy, PolicyLocator>();

/** The locator of a loaded policy, to turn compile-time key paths into `file:line`. */
export function locatorOf(policy: LoadedPolicy): PolicyLocator {
  let l = locators.get(policy);
  if (!l) {
    const lines = new LineCounter();
    l = new PolicyLocator(policy.file, parseDocument(policy.text, { lineCounter: lines }), lines);
    locators.set(policy, l);
  }
  return l;
}

/** `- waf:` with no value means "default settings": treat a null check spec as `{}`. */
function normalizeNullChecks(spec: Record<string, unknown>): void {
  const routes = spec.routes;
  if (!Array.isArray(routes)) return;
  for (const route of routes) {
    const checks = (route as { checks?: unknown })?.checks;
    if (!Array.isArray(checks)) continue;
    for (const entry of checks) {
      if (entry && typeof entry === 'object') {
        for (const [k, v] of Object.entries(entry)) if (v === null) (entry as Record<string, unknown>)[k] = {};
      }
    }
  }
}
