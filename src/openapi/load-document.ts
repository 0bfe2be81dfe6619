/**
 * Reads an OpenAPI 3.0 or 3.1 document with every file its `$ref`s reach, and rewrites 3.0 schema
 * dialect quirks for ajv. Problems are SourceErrors located by file and JSON pointer.
 */
import { deref, loadSourceFiles, readSourceFile, SourceError, walkTree, type SourceFiles } from './source-files.js';
import { translateOpenApi30 } from './translate-30.js';

export interface LoadedDocument {
  url: string;
  version: '3.0' | '3.1';
  doc: Record<string, unknown>;
  files: SourceFiles;
}

export async function loadOpenApiDocument(url: string): Promise<LoadedDocument> {
  const doc = await readSourceFile(url);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new SourceError(url, '', 'an OpenAPI document must be a mapping');
  const o = doc as Record<string, unknown>;
  const declared = o.openapi;
  if (typeof declared !== 'string' || !/^3\.[01]\.\d+/.test(declared)) {
    const what = typeof o.swagger === 'string' ? `Swagger ${o.swagger}` : `openapi: ${JSON.stringify(declared ?? null)}`;
    throw new SourceError(url, '/openapi', `not an OpenAPI 3.0 or 3.1 document (${what})`);
  }
  const version = declared.startsWith('3.0') ? '3.0' : '3.1';
  const files = await loadSourceFiles(url, doc);
  if (version === '3.0') for (const f of files.values()) translateOpenApi30(f);
  for (const [fileUrl, f] of files) relaxReadOnlyRequired(files, fileUrl, f);
  return { url, version, doc: o, files };
}

function isReadOnly(files: SourceFiles, schema: unknown, baseUrl: string): boolean {
  try {
    const target = deref(files, schema, baseUrl, '').value;
    return target !== null && typeof target === 'object' && (target as { readOnly?: unknown }).readOnly === true;
  } catch {
    return false;
  }
}

/**
 * Only requests are validated here, and OpenAPI says a required `readOnly` property is required in responses
 * only (a server-assigned `id`): such names are dropped from `required`.
 */
function relaxReadOnlyRequired(files: SourceFiles, fileUrl: string, root: unknown): void {
  walkTree(root, (node) => {
    const props = node.properties;
    if (!Array.isArray(node.required) || props === null || typeof props !== 'object') return;
    const p = props as Record<string, unknown>;
    node.required = node.required.filter((name) => typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(p, name) || !isReadOnly(files, p[name], fileUrl));
  });
}
