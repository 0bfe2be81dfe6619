/**
 * OpenAPI 3.0 schema objects are not quite JSON Schema: `nullable: true` widens the type, and
 * `exclusiveMinimum`/`exclusiveMaximum` are booleans modifying `minimum`/`maximum`. Rewritten in place into
 * their JSON Schema equivalents before ajv sees them (3.1 documents are JSON Schema 2020-12 already).
 */
import { walkTree } from './source-files.js';

const ANNOTATIONS = new Set(['title', 'description', 'deprecated', 'readOnly', 'writeOnly', 'externalDocs', 'xml', 'discriminator']);

function translateNode(o: Record<string, unknown>): void {
  if (typeof o.exclusiveMinimum === 'boolean') {
    if (o.exclusiveMinimum && typeof o.minimum === 'number') {
      o.exclusiveMinimum = o.minimum;
      delete o.minimum;
    } else delete o.exclusiveMinimum;
  }
  if (typeof o.exclusiveMaximum === 'boolean') {
    if (o.exclusiveMaximum && typeof o.maximum === 'number') {
      o.exclusiveMaximum = o.maximum;
      delete o.maximum;
    } else delete o.exclusiveMaximum;
  }
  if (typeof o.nullable !== 'boolean') return;
  const nullable = o.nullable;
  delete o.nullable;
  if (!nullable) return;
  if (typeof o.type === 'string' || Array.isArray(o.type)) {
    const types = Array.isArray(o.type) ? o.type : [o.type];
    if (!types.includes('null')) o.type = [...types, 'null'];
    if (Array.isArray(o.enum) && !o.enum.includes(null)) o.enum = [...o.enum, null];
    return;
  }
  // No type but constraints through composition or a ref: null, or whatever those allow.
  const constraining = Object.keys(o).filter((k) => !ANNOTATIONS.has(k) && !k.startsWith('x-'));
  if (constraining.length === 0) return;
  const rest: Record<string, unknown> = {};
  for (const k of constraining) {
    rest[k] = o[k];
    delete o[k];
  }
  if (Array.isArray(rest.enum) && !rest.enum.includes(null)) rest.enum = [...rest.enum, null];
  o.anyOf = [{ type: 'null' }, rest];
}

/** Rewrites every 3.0 schema object reachable in the tree. */
export function translateOpenApi30(root: unknown): void {
  walkTree(root, translateNode);
}
