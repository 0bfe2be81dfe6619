/**
 * Reads schema and OpenAPI files (JSON or YAML) together with every local file their `$ref`s reach, so that
 * refs resolve synchronously afterwards. Only local refs: within a document, or to files by relative path.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';

/** A problem in a source file, located by file URL and JSON pointer (when known). */
export class SourceError extends Error {
  constructor(readonly url: string, readonly pointer: string, message: string) {
    super(message);
    this.name = 'SourceError';
  }
}

/** Parsed files by URL (`file:///...`, no fragment). */
export type SourceFiles = Map<string, unknown>;

// Keys whose values are data (examples, defaults, enums, vendor extensions), not schemas or API objects: a `$ref`
// inside them is not a reference. Under a name map (`properties`, `components.schemas`, `responses`, ...) the
// keys are names, and a property called `default` or `x-trace` is a schema like any other.
const DATA_KEYS = new Set(['example', 'examples', 'default', 'enum', 'const']);
const NAME_MAPS = new Set([
  'properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'paths', 'schemas', 'parameters',
  'responses', 'requestBodies', 'headers', 'content', 'callbacks', 'links', 'securitySchemes', 'pathItems', 'encoding',
]);

/** True when `key` of an object holds data rather than something to walk into. */
export function isDataKey(key: string, inNameMap: boolean): boolean {
  return !inNameMap && (DATA_KEYS.has(key) || key.startsWith('x-'));
}

/** Visits every object in a tree (iteratively: documents may be deep), skipping data-valued keys. */
export function walkTree(root: unknown, visit: (node: Record<string, unknown>) => void): void {
  const stack: Array<{ node: unknown; names: boolean }> = [{ node: root, names: false }];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { node, names } = stack.pop()!;
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const v of node) stack.push({ node: v, names: false });
      continue;
    }
    const o = node as Record<string, unknown>;
    if (!names) visit(o);
    for (const [k, v] of Object.entries(o)) {
      if (!isDataKey(k, names)) stack.push({ node: v, names: !names && NAME_MAPS.has(k) });
    }
  }
}
const MAX_FILES = 500;
const MAX_REF_HOPS = 32;

export function fileUrl(path: string): string {
  return pathToFileURL(path).href;
}

/** Reads and parses one file: `.json` strictly as JSON, anything else as YAML (which also reads JSON). */
export async function readSourceFile(url: string): Promise<unknown> {
  const path = fileURLToPath(url);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SourceError(url, '', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    if (path.endsWith('.json')) return JSON.parse(text);
    return parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (err) {
    throw new SourceError(url, '', `cannot parse ${path}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

/** Splits a `$ref` against its base into the file URL and the JSON pointer of its fragment. */
export function splitRef(ref: string, baseUrl: string): { url: string; pointer: string } {
  let target: URL;
  try {
    target = new URL(ref, baseUrl);
  } catch {
    throw new SourceError(baseUrl, '', `invalid $ref "${ref.slice(0, 200)}"`);
  }
  if (target.protocol !== 'file:') throw new SourceError(baseUrl, '', `$ref "${ref.slice(0, 200)}" is not local (only refs within the document or to relative files are supported)`);
  const hash = target.hash;
  target.hash = '';
  target.search = '';
  let pointer = hash ? hash.slice(1) : '';
  try {
    pointer = decodeURIComponent(pointer);
  } catch {
    throw new SourceError(baseUrl, '', `invalid $ref fragment "${hash.slice(0, 200)}"`);
  }
  if (pointer !== '' && !pointer.startsWith('/')) {
    throw new SourceError(baseUrl, '', `$ref "${ref.slice(0, 200)}": only JSON-pointer fragments are supported`);
  }
  return { url: target.href, pointer };
}

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointerOf(tokens: readonly (string | number)[]): string {
  return tokens.map((t) => '/' + escapePointerToken(String(t))).join('');
}

/** Follows a JSON pointer inside a parsed document; undefined when a step is missing. */
export function getPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, token)) return undefined;
    cur = (cur as Record<string, unknown>)[token];
  }
  return cur;
}

/** Every `$ref` string in a tree, skipping data-valued keys. */
export function collectRefs(root: unknown): string[] {
  const refs: string[] = [];
  walkTree(root, (o) => {
    if (typeof o.$ref === 'string') refs.push(o.$ref);
  });
  return refs;
}

/**
 * Loads the root (parsed already or read from `rootUrl`) and, transitively, every file its refs name.
 * A file's own top-level `$id` is dropped: refs resolve against the file's location, as they were loaded.
 */
export async function loadSourceFiles(rootUrl: string, root?: unknown, files: SourceFiles = new Map()): Promise<SourceFiles> {
  const queue: Array<{ url: string; doc: unknown }> = [];
  const add = (url: string, doc: unknown) => {
    if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) delete (doc as Record<string, unknown>).$id;
    files.set(url, doc);
    queue.push({ url, doc });
  };
  if (!files.has(rootUrl)) add(rootUrl, root === undefined ? await readSourceFile(rootUrl) : root);
  while (queue.length > 0) {
    const { url, doc } = queue.shift()!;
    for (const ref of collectRefs(doc)) {
      if (ref.startsWith('#')) continue;
      const target = splitRef(ref, url).url;
      if (files.has(target)) continue;
      if (files.size >= MAX_FILES) throw new SourceError(url, '', `more than ${MAX_FILES} referenced files`);
      add(target, await readSourceFile(target));
    }
  }
  return files;
}

export interface Resolved {
  url: string;
  pointer: string;
  value: unknown;
}

/** Resolves a value that may be a `{ $ref }` (following chains) to its target and location. */
export function deref(files: SourceFiles, value: unknown, url: string, pointer: string): Resolved {
  let cur: Resolved = { url, pointer, value };
  for (let hops = 0; hops < MAX_REF_HOPS; hops++) {
    const v = cur.value;
    if (v === null || typeof v !== 'object' || typeof (v as { $ref?: unknown }).$ref !== 'string') return cur;
    const target = splitRef((v as { $ref: string }).$ref, cur.url);
    const doc = files.get(target.url);
    if (doc === undefined) throw new SourceError(cur.url, cur.pointer, `$ref target file ${target.url} was not loaded`);
    const next = getPointer(doc, target.pointer);
    if (next === undefined) throw new SourceError(cur.url, cur.pointer, `$ref "${(v as { $ref: string }).$ref}" points to nothing`);
    cur = { url: target.url, pointer: target.pointer, value: next };
  }
  throw new SourceError(url, pointer, `$ref chain longer than ${MAX_REF_HOPS} (a cycle?)`);
}
