/**
 * Derives the operations of a loaded OpenAPI document: path templates (with the prefix), methods, parameter
 * definitions (path-level merged with operation-level) and request bodies by media type. Schemas stay where
 * they are and are referenced as `{ $ref: <file url>#<pointer> }`, so ajv resolves their own refs in place.
 */
import { schemaShape } from './shape.js';
import type { LoadedDocument } from './load-document.js';
import { deref, pointerOf, SourceError, escapePointerToken, type Resolved } from './source-files.js';
import type { BodyDef, MediaSchema, OperationDef, ParamDef, ParamLocation } from './types.js';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const LOCATIONS = new Set<ParamLocation>(['query', 'path', 'header', 'cookie']);
// OpenAPI: header parameters with these names are ignored (they are described elsewhere).
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);
const STYLES: Readonly<Record<ParamLocation, readonly string[]>> = {
  query: ['form', 'spaceDelimited', 'pipeDelimited', 'deepObject'],
  path: ['simple', 'label', 'matrix'],
  header: ['simple'],
  cookie: ['form'],
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function fail(r: { url: string; pointer: string }, message: string): never {
  throw new SourceError(r.url, r.pointer, message);
}

function schemaRef(url: string, pointer: string): { $ref: string } {
  return { $ref: `${url}#${pointer}` };
}

function paramDef(ld: LoadedDocument, r: Resolved): ParamDef {
  const p = r.value;
  if (!isObject(p)) fail(r, 'a parameter must be a mapping');
  if (typeof p.name !== 'string' || p.name === '') fail(r, 'a parameter needs a `name`');
  if (typeof p.in !== 'string' || !LOCATIONS.has(p.in as ParamLocation)) fail(r, `parameter "${p.name}": \`in\` must be query, path, header or cookie`);
  const location = p.in as ParamLocation;
  if (location === 'path' && p.required !== true) fail(r, `path parameter "${p.name}" must be required: true`);
  const style = p.style === undefined ? (location === 'query' || location === 'cookie' ? 'form' : 'simple') : p.style;
  if (typeof style !== 'string' || !STYLES[location].includes(style)) fail(r, `parameter "${p.name}": style ${JSON.stringify(style)} is not valid in ${location}`);
  const explode = p.explode === undefined ? style === 'form' : p.explode === true;
  let schema: unknown;
  let json = false;
  let schemaValue: unknown;
  if (p.schema !== undefined) {
    schema = schemaRef(r.url, `${r.pointer}/schema`);
    schemaValue = p.schema;
  } else if (isObject(p.content)) {
    const [mediaType, media] = Object.entries(p.content)[0] ?? [];
    if (mediaType === undefined || !isObject(media)) fail(r, `parameter "${p.name}": \`content\` needs one media type`);
    json = /json/.test(mediaType);
    if (media.schema !== undefined) {
      schema = schemaRef(r.url, `${r.pointer}/content/${escapePointerToken(mediaType)}/schema`);
      schemaValue = media.schema;
    } else schema = true;
  } else {
    schema = true;
  }
  const { shape, properties } = schemaValue === undefined ? { shape: 'primitive' as const, properties: [] } : schemaShape(ld.files, schemaValue, r.url);
  return {
    name: location === 'header' ? p.name.toLowerCase() : p.name,
    in: location,
    required: p.required === true,
    style,
    explode,
    shape,
    properties,
    json,
    schema,
  };
}

function paramList(ld: LoadedDocument, owner: Resolved, list: unknown): Map<string, ParamDef> {
  const out = new Map<string, ParamDef>();
  if (list === undefined) return out;
  const at = { url: owner.url, pointer: `${owner.pointer}/parameters` };
  if (!Array.isArray(list)) fail(at, '`parameters` must be a list');
  list.forEach((item, i) => {
    const def = paramDef(ld, deref(ld.files, item, at.url, `${at.pointer}/${i}`));
    if (def.in === 'header' && IGNORED_HEADERS.has(def.name)) return;
    out.set(`${def.in}:${def.name}`, def);
  });
  return out;
}

function bodyDef(ld: LoadedDocument, owner: Resolved, value: unknown): BodyDef | undefined {
  if (value === undefined) return undefined;
  const r = deref(ld.files, value, owner.url, `${owner.pointer}/requestBody`);
  const b = r.value;
  if (!isObject(b) || !isObject(b.content)) fail(r, '`requestBody` needs a `content` mapping');
  const media: MediaSchema[] = [];
  for (const [type, m] of Object.entries(b.content)) {
    if (!isObject(m)) fail({ url: r.url, pointer: `${r.pointer}/content/${escapePointerToken(type)}` }, 'a media type object must be a mapping');
    const range = type.split(';')[0]!.trim().toLowerCase();
    media.push(m.schema === undefined ? { range } : { range, schema: schemaRef(r.url, `${r.pointer}/content/${escapePointerToken(type)}/schema`) });
  }
  return { required: b.required === true, media };
}

/** Every operation of the document, templates prefixed. */
export function deriveOperations(ld: LoadedDocument, prefix: string): OperationDef[] {
  const paths = ld.doc.paths;
  if (paths === undefined) return [];
  if (!isObject(paths)) fail({ url: ld.url, pointer: '/paths' }, '`paths` must be a mapping');
  const ops: OperationDef[] = [];
  for (const [template, rawItem] of Object.entries(paths)) {
    const itemPointer = pointerOf(['paths', template]);
    if (!template.startsWith('/')) fail({ url: ld.url, pointer: itemPointer }, `path "${template}" must start with "/"`);
    const item = deref(ld.files, rawItem, ld.url, itemPointer);
    if (!isObject(item.value)) fail(item, 'a path item must be a mapping');
    const shared = paramList(ld, item, item.value.parameters);
    for (const method of HTTP_METHODS) {
      const op = item.value[method];
      if (op === undefined) continue;
      const opR: Resolved = { url: item.url, pointer: `${item.pointer}/${method}`, value: op };
      if (!isObject(op)) fail(opR, 'an operation must be a mapping');
      const params = new Map(shared);
      for (const [k, v] of paramList(ld, opR, op.parameters)) params.set(k, v);
      ops.push({
        method: method.toUpperCase(),
        template: prefix + template,
        operationId: typeof op.operationId === 'string' ? op.operationId : undefined,
        params: [...params.values()],
        body: bodyDef(ld, opR, op.requestBody),
        where: `${opR.url}#${opR.pointer}`,
      });
    }
  }
  return ops;
}
