/** The value shape a parameter schema expects (array, object or primitive), looking through refs and `allOf`. */
import { deref, type SourceFiles } from './source-files.js';
import type { ParamShape } from './types.js';

export interface SchemaShape {
  shape: ParamShape;
  /** Property names of an object schema (for form-exploded objects). */
  properties: string[];
}

const PRIMITIVE: SchemaShape = { shape: 'primitive', properties: [] };

export function schemaShape(files: SourceFiles, schema: unknown, baseUrl: string, depth = 0): SchemaShape {
  if (depth > 8 || schema === null || typeof schema !== 'object') return PRIMITIVE;
  let s: unknown;
  let url = baseUrl;
  try {
    const r = deref(files, schema, baseUrl, '');
    s = r.value;
    url = r.url;
  } catch {
    return PRIMITIVE;
  }
  if (s === null || typeof s !== 'object') return PRIMITIVE;
  const o = s as Record<string, unknown>;
  const types = Array.isArray(o.type) ? o.type : typeof o.type === 'string' ? [o.type] : [];
  const props = o.properties && typeof o.properties === 'object' ? Object.keys(o.properties) : [];
  if (types.includes('array')) return { shape: 'array', properties: [] };
  if (types.includes('object')) return { shape: 'object', properties: props };
  if (types.length > 0) return PRIMITIVE;
  if (o.items !== undefined || o.prefixItems !== undefined) return { shape: 'array', properties: [] };
  if (props.length > 0) return { shape: 'object', properties: props };
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = o[key];
    if (!Array.isArray(list)) continue;
    for (const sub of list) {
      const r = schemaShape(files, sub, url, depth + 1);
      if (r.shape !== 'primitive') return r;
    }
  }
  return PRIMITIVE;
}
