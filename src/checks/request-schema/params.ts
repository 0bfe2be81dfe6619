/**
 * Turns a request's raw parameter strings into the values their schemas expect, following OpenAPI's
 * `style`/`explode` rules for the common cases. The results are plain objects handed to ajv, which coerces
 * scalar strings by type (`page=3` becomes 3).
 */
import type { ParamDef, ParamLocation } from '../../openapi/types.js';
import type { AuthzRequest } from '../../pipeline/types.js';

export type ParamValues = Record<string, unknown>;
export type Extractor = (req: AuthzRequest, pathParams: Readonly<Record<string, string>>) => ParamValues;

const bag = (): ParamValues => Object.create(null) as ParamValues;

function pairs(tokens: string[]): ParamValues {
  const out = bag();
  for (let i = 0; i + 1 < tokens.length; i += 2) out[tokens[i]!] = tokens[i + 1];
  return out;
}

function keyValues(tokens: string[]): ParamValues {
  const out = bag();
  for (const t of tokens) {
    const eq = t.indexOf('=');
    if (eq > 0) out[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return out;
}

/** simple (path, header), label and matrix (path) styles. */
function fromSimple(def: ParamDef, raw: string): unknown {
  let value = raw;
  let sep = ',';
  if (def.style === 'label') {
    if (!value.startsWith('.')) return value;
    value = value.slice(1);
    if (def.explode) sep = '.';
  } else if (def.style === 'matrix') {
    const head = `;${def.name}=`;
    if (def.shape === 'object' && def.explode) return keyValues(value.split(';').filter(Boolean));
    if (def.shape === 'array' && def.explode) {
      return value.split(';').filter(Boolean).map((t) => (t.startsWith(`${def.name}=`) ? t.slice(def.name.length + 1) : t));
    }
    if (!value.startsWith(head)) return value;
    value = value.slice(head.length);
  }
  if (def.shape === 'array') return value === '' ? [] : value.split(sep);
  if (def.shape === 'object') return def.explode ? keyValues(value.split(sep)) : pairs(value.split(sep));
  return value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function fromQuery(def: ParamDef, query: Readonly<Record<string, readonly string[]>>): unknown {
  if (def.shape === 'object' && def.style === 'deepObject') {
    const prefix = `${def.name}[`;
    let out: ParamValues | undefined;
    for (const key of Object.keys(query)) {
      if (!key.startsWith(prefix) || !key.endsWith(']')) continue;
      const values = query[key]!;
      (out ??= bag())[key.slice(prefix.length, -1)] = values.length === 1 ? values[0] : values;
    }
    return out;
  }
  if (def.shape === 'object' && def.explode && def.style === 'form') {
    let out: ParamValues | undefined;
    for (const prop of def.properties) {
      const values = query[prop];
      if (values) (out ??= bag())[prop] = values.length === 1 ? values[0] : values;
    }
    return out;
  }
  const values = query[def.name];
  if (!values) return undefined;
  if (def.json) return values.length === 1 ? parseJson(values[0]!) : values.map(parseJson);
  if (def.shape === 'array') {
    if (def.style === 'form' && def.explode) return values;
    const sep = def.style === 'spaceDelimited' ? ' ' : def.style === 'pipeDelimited' ? '|' : ',';
    return values.flatMap((v) => (v === '' ? [] : v.split(sep)));
  }
  if (def.shape === 'object') return pairs(values[0]!.split(','));
  return values.length === 1 ? values[0] : values;
}

function fromCookie(def: ParamDef, raw: string): unknown {
  if (def.json) return parseJson(raw);
  if (def.shape === 'array') return raw === '' ? [] : raw.split(',');
  if (def.shape === 'object') return pairs(raw.split(','));
  return raw;
}

/** Builds the `{ name: value }` object for the parameters of one location. */
export function paramExtractor(location: ParamLocation, defs: readonly ParamDef[]): Extractor {
  const list = defs.filter((d) => d.in === location);
  switch (location) {
    case 'query':
      return (req) => {
        const out = bag();
        const query = req.query;
        for (const def of list) {
          const v = fromQuery(def, query);
          if (v !== undefined) out[def.name] = v;
        }
        return out;
      };
    case 'header':
      return (req) => {
        const out = bag();
        for (const def of list) {
          const raw = req.headers[def.name];
          if (raw !== undefined) out[def.name] = def.json ? parseJson(raw) : fromSimple(def, raw);
        }
        return out;
      };
    case 'cookie':
      return (req) => {
        const out = bag();
        const cookies = req.cookies;
        for (const def of list) {
          const raw = cookies[def.name];
          if (raw !== undefined) out[def.name] = fromCookie(def, raw);
        }
        return out;
      };
    case 'path':
      return (_req, pathParams) => {
        const out = bag();
        for (const def of list) {
          const raw = pathParams[def.name];
          if (raw !== undefined) out[def.name] = def.json ? parseJson(raw) : fromSimple(def, raw);
        }
        return out;
      };
  }
}

/** The whole location as one object, for an object schema given for the location (`additionalProperties: false` works). */
export function wholeExtractor(location: ParamLocation): Extractor {
  switch (location) {
    case 'query':
      return (req) => {
        const out = bag();
        const query = req.query;
        for (const key of Object.keys(query)) {
          const values = query[key]!;
          out[key] = values.length === 1 ? values[0] : values;
        }
        return out;
      };
    case 'header':
      return (req) => {
        const out = bag();
        for (const key of Object.keys(req.headers)) if (!key.startsWith(':')) out[key] = req.headers[key];
        return out;
      };
    case 'cookie':
      return (req) => Object.assign(bag(), req.cookies);
    case 'path':
      return (_req, pathParams) => Object.assign(bag(), pathParams);
  }
}
