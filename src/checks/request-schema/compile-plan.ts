/**
 * Compiles parameter definitions and body media types into a RequestPlan's validators. Shared by the
 * check's own spec and by OpenAPI operations; errors are thrown as plain Errors for the caller to locate.
 */
import type { ErrorCode } from '../../lib/errors.js';
import type { ParamDef, ParamLocation } from '../../openapi/types.js';
import type { LocationPlan, MediaPlan } from './plan.js';
import { kindsOf, parseMediaRange } from './media.js';
import { paramExtractor, wholeExtractor } from './params.js';
import type { Dialect, SchemaCompiler } from './schema-compiler.js';

export const locationLabels: Readonly<Record<ParamLocation, string>> = { query: 'query', path: 'path', header: 'headers', cookie: 'cookies' };
const locationCodes: Readonly<Record<ParamLocation, ErrorCode>> = {
  query: 'schema.query_invalid',
  path: 'schema.path_invalid',
  header: 'schema.headers_invalid',
  cookie: 'schema.headers_invalid',
};

export function defaultStyle(location: ParamLocation): string {
  return location === 'query' || location === 'cookie' ? 'form' : 'simple';
}

/** One validator for all parameters of a location: an object wrapper whose properties are their schemas. */
export function compileParams(location: ParamLocation, defs: readonly ParamDef[], compiler: SchemaCompiler, dialect: Dialect): LocationPlan | undefined {
  const list = defs.filter((d) => d.in === location);
  if (list.length === 0) return undefined;
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const d of list) {
    properties[d.name] = d.schema;
    if (d.required) required.push(d.name);
  }
  const wrapper: Record<string, unknown> = { type: 'object', properties };
  if (required.length > 0) wrapper.required = required;
  return {
    label: locationLabels[location],
    code: locationCodes[location],
    extract: paramExtractor(location, list),
    validate: compiler.compile(wrapper, dialect, true),
  };
}

/** A whole-location object schema (e.g. a query schema with `additionalProperties: false`). */
export function compileWhole(location: ParamLocation, schema: unknown, compiler: SchemaCompiler, dialect: Dialect): LocationPlan {
  return {
    label: locationLabels[location],
    code: locationCodes[location],
    extract: wholeExtractor(location),
    validate: compiler.compile(schema, dialect, true),
  };
}

/** Validators per media range: JSON without coercion, form fields and text coerced from strings. */
export function compileMedia(entries: ReadonlyArray<{ range: string; schema?: unknown }>, compiler: SchemaCompiler, dialect: Dialect): MediaPlan[] {
  const out: MediaPlan[] = [];
  for (const e of entries) {
    const range = parseMediaRange(e.range);
    if (!range) throw new Error(`"${e.range}" is not a media type or range`);
    if (e.schema === undefined) {
      out.push({ range });
      continue;
    }
    const kinds = kindsOf(range);
    out.push({
      range,
      json: kinds.has('json') ? compiler.compile(e.schema, dialect, false) : undefined,
      form: kinds.has('form') ? compiler.compile(e.schema, dialect, true) : undefined,
      text: kinds.has('text') ? compiler.compile(e.schema, dialect, false) : undefined,
    });
  }
  return out;
}
