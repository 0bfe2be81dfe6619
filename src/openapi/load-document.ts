/**
 * Reads an OpenAPI 3.0 or 3.1 document with every file its `$ref`s reach, and rewrites 3.0 schema
 * dialect quirks for ajv. Problems are SourceErrors located by file and JSON pointer.
 */
import { loadSourceFiles, readSourceFile, SourceError, type SourceFiles } from './source-files.js';
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
  return { url, version, doc: o, files };
}
