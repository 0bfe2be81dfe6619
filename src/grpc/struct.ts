/**
 * google.protobuf.Struct in proto-loader object form, to and from plain JSON-like values. JSON semantics:
 * undefined members are dropped, non-finite numbers become null.
 *
 * The well-known types come from protobufjs' bundled definitions, whose field names are camelCase
 * (`stringValue`, `structValue`, ...) whatever `keepCase` says: snake_case keys here would be silently dropped.
 */

export interface ProtoValue {
  nullValue?: 'NULL_VALUE' | 0;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: ProtoStruct;
  listValue?: { values?: ProtoValue[] };
  kind?: string;
}

export interface ProtoStruct {
  fields?: Record<string, ProtoValue>;
}

// Deeper than any metadata we emit; stops cycles and hostile nesting.
const MAX_DEPTH = 32;

const NULL: ProtoValue = { nullValue: 'NULL_VALUE' };

export function toStruct(obj: Record<string, unknown>): ProtoStruct {
  return structOf(obj, 0);
}

function structOf(obj: Record<string, unknown>, depth: number): ProtoStruct {
  // Null prototype: a key such as "__proto__" (say, from a token claim) stays a plain key.
  const fields: Record<string, ProtoValue> = Object.create(null);
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    fields[key] = toValue(v, depth + 1);
  }
  return { fields };
}

export function toValue(v: unknown, depth = 0): ProtoValue {
  if (depth > MAX_DEPTH) return NULL;
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      return Number.isFinite(v) ? { numberValue: v } : NULL;
    case 'bigint':
      return { numberValue: Number(v) };
    case 'object': {
      if (v === null) return NULL;
      if (Array.isArray(v)) {
        return { listValue: { values: v.map((item) => (item === undefined || typeof item === 'function' ? NULL : toValue(item, depth + 1))) } };
      }
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? NULL : { stringValue: v.toISOString() };
      if (Buffer.isBuffer(v)) return { stringValue: v.toString('base64') };
      return { structValue: structOf(v as Record<string, unknown>, depth) };
    }
    default:
      return NULL;
  }
}

/** Reads a Struct as decoded by proto-loader (absent `fields` means empty). */
export function fromStruct(struct: ProtoStruct | null | undefined): Record<string, unknown> {
  return fromStructAt(struct, 0);
}

function fromStructAt(struct: ProtoStruct | null | undefined, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  const fields = struct?.fields;
  if (!fields || typeof fields !== 'object') return out;
  for (const key of Object.keys(fields)) out[key] = fromValue(fields[key], depth + 1);
  return out;
}

export function fromValue(v: ProtoValue | null | undefined, depth = 0): unknown {
  if (!v || typeof v !== 'object' || depth > MAX_DEPTH) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.numberValue !== undefined) return v.numberValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.structValue !== undefined) return fromStructAt(v.structValue, depth);
  if (v.listValue !== undefined) {
    const values = v.listValue?.values;
    return Array.isArray(values) ? values.map((item) => fromValue(item, depth + 1)) : [];
  }
  return null;
}
