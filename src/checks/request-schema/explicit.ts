/**
 * Compiles the check's own schemas (body, query, path, headers, cookies) into a RequestPlan. File `$ref`s
 * resolve against the policy folder; the files they reach are loaded once, here.
 */
import { PolicyError, type CheckCompileDeps } from '../../config/types.js';
import { deref, fileUrl, isDataKey, loadSourceFiles, SourceError, splitRef, type SourceFiles } from '../../openapi/source-files.js';
import type { ParamDef, ParamLocation } from '../../openapi/types.js';
import { schemaShape } from '../../openapi/shape.js';
import { compileMedia, compileParams, compileWhole, defaultStyle } from './compile-plan.js';
import { parseMediaRange } from './media.js';
import type { BodyPlan, LocationPlan, RequestPlan } from './plan.js';
import { dialectOf, SchemaCompiler, type Dialect } from './schema-compiler.js';
import type { LocationSpec, RequestSchemaSpec } from './spec.js';

const NAME_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const LOCATIONS: ReadonlyArray<[keyof RequestSchemaSpec, ParamLocation]> = [
  ['path', 'path'],
  ['query', 'query'],
  ['headers', 'header'],
  ['cookies', 'cookie'],
];
export const DEFAULT_JSON_TYPES = ['application/json', 'application/*+json'];

/** A copy of an inline schema whose file refs are absolute URLs (fragment-only refs stay local). */
function absolutize(node: unknown, baseUrl: string, targets: Set<string>, names = false): unknown {
  if (Array.isArray(node)) return node.map((v) => absolutize(v, baseUrl, targets));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (names) out[k] = absolutize(v, baseUrl, targets);
    else if (k === '$ref' && typeof v === 'string' && !v.startsWith('#')) {
      const { url, pointer } = splitRef(v, baseUrl);
      targets.add(url);
      out[k] = pointer ? `${url}#${pointer}` : url;
    } else out[k] = isDataKey(k, false) ? v : absolutize(v, baseUrl, targets, NAME_MAPS.has(k));
  }
  return out;
}

function isWholeSchema(spec: LocationSpec): boolean {
  return spec.type === 'object' || typeof spec.$ref === 'string';
}

function located<T>(at: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PolicyError) throw err;
    throw new PolicyError(at, err instanceof Error ? err.message : String(err));
  }
}

/** The dialect of a schema, looking through a top-level file `$ref` to the file's `$schema`. */
function dialectThroughRef(schema: unknown, files: SourceFiles): Dialect {
  if (schema !== null && typeof schema === 'object' && typeof (schema as { $schema?: unknown }).$schema === 'string') return dialectOf(schema);
  try {
    const target = deref(files, schema, 'file:///', '').value;
    return dialectOf(target);
  } catch {
    return 'draft-07';
  }
}

function paramDefs(location: ParamLocation, spec: LocationSpec, at: string, files: SourceFiles, base: string): { defs: ParamDef[]; dialect: Dialect } {
  const defs: ParamDef[] = [];
  let dialect: Dialect | undefined;
  for (const [rawName, entry] of Object.entries(spec)) {
    const where = `${at}.${rawName}`;
    if (typeof entry === 'boolean') {
      defs.push({ name: location === 'header' ? rawName.toLowerCase() : rawName, in: location, required: false, style: defaultStyle(location), explode: location === 'query' || location === 'cookie', shape: 'primitive', properties: [], json: false, schema: entry });
      continue;
    }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new PolicyError(where, 'must be a schema object');
    const { required, style, explode, $schema, ...schema } = entry as Record<string, unknown>;
    if (required !== undefined && typeof required !== 'boolean') {
      // An array `required` belongs to an object schema: keep it there.
      (schema as Record<string, unknown>).required = required;
    }
    if (style !== undefined && typeof style !== 'string') throw new PolicyError(where, '`style` must be a string');
    if (explode !== undefined && typeof explode !== 'boolean') throw new PolicyError(where, '`explode` must be a boolean');
    if (typeof $schema === 'string') dialect ??= dialectOf({ $schema });
    const st = (style as string | undefined) ?? defaultStyle(location);
    const { shape, properties } = schemaShape(files, schema, base);
    defs.push({
      name: location === 'header' ? rawName.toLowerCase() : rawName,
      in: location,
      required: required === true,
      style: st,
      explode: (explode as boolean | undefined) ?? st === 'form',
      shape,
      properties,
      json: false,
      schema,
    });
  }
  return { defs, dialect: dialect ?? dialectThroughRef(Object.values(spec).find((v) => typeof v === 'object'), files) };
}

function bodyRequirement(spec: RequestSchemaSpec): (method: string) => boolean {
  const r = spec.bodyRequired;
  if (r === true) return () => true;
  if (Array.isArray(r)) {
    const methods = new Set(r.map((m) => m.toUpperCase()));
    return (method) => methods.has(method);
  }
  return () => false;
}

export async function compileExplicit(spec: RequestSchemaSpec, deps: CheckCompileDeps): Promise<RequestPlan> {
  const at = deps.at;
  const base = fileUrl(deps.policyFile);
  const targets = new Set<string>();
  const prepared: Partial<Record<keyof RequestSchemaSpec, unknown>> = {};
  for (const key of ['body', 'path', 'query', 'headers', 'cookies'] as const) {
    if (spec[key] !== undefined) prepared[key] = located(`${at}.${key}`, () => absolutize(spec[key], base, targets));
  }
  const files: SourceFiles = new Map();
  for (const url of targets) {
    try {
      await loadSourceFiles(url, undefined, files);
    } catch (err) {
      throw new PolicyError(at, err instanceof SourceError ? err.message : String(err));
    }
  }
  const compiler = new SchemaCompiler(files, { warn: (m) => deps.warn(at, m) });

  const locations: LocationPlan[] = [];
  for (const [key, location] of LOCATIONS) {
    const locSpec = prepared[key] as LocationSpec | undefined;
    if (locSpec === undefined) continue;
    const where = `${at}.${key}`;
    if (isWholeSchema(locSpec)) {
      locations.push(located(where, () => compileWhole(location, locSpec, compiler, dialectThroughRef(locSpec, files))));
      continue;
    }
    const { defs, dialect } = paramDefs(location, locSpec, where, files, base);
    for (const d of defs) {
      const problem = compiler.metaErrors(d.schema, dialect);
      if (problem) throw new PolicyError(`${where}.${d.name}`, problem);
    }
    if (location === 'path') {
      for (const d of defs) {
        if (!deps.route.pathParams.includes(d.name)) deps.warn(`${where}.${d.name}`, `the route's path template has no {${d.name}} segment`);
      }
    }
    const plan = located(where, () => compileParams(location, defs, compiler, dialect));
    if (plan) locations.push(plan);
  }

  (spec.contentTypes ?? []).forEach((t, i) => {
    if (!parseMediaRange(t)) throw new PolicyError(`${at}.contentTypes[${i}]`, `"${t}" is not a media type or range (type/subtype, type/*, application/*+json, */*)`);
  });
  let body: BodyPlan | undefined;
  const contentTypes = spec.contentTypes ?? (spec.body !== undefined ? DEFAULT_JSON_TYPES : undefined);
  if (contentTypes || spec.bodyRequired) {
    const bodySchema = prepared.body;
    const dialect = dialectThroughRef(bodySchema, files);
    const media = contentTypes
      ? located(`${at}.${spec.body !== undefined ? 'body' : 'contentTypes'}`, () => compileMedia(contentTypes.map((range) => ({ range, schema: bodySchema })), compiler, dialect))
      : undefined;
    body = { required: bodyRequirement(spec), media };
  }
  return { locations, body };
}
