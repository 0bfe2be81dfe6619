/**
 * The top-level `openapi` policy section: named OpenAPI 3.0/3.1 documents, each compiled once per policy
 * (operations, parameter and body validators, a path router). `request-schema: { openapi: <name> }` uses them.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PolicyError, type CompileDeps, type PolicySection } from '../config/types.js';
import type { CompiledOpenApi, OpenApiRegistry } from './compiled.js';
import { compileOpenApiDocument } from './compile-document.js';
import { lineOf } from './locate.js';
import { fileUrl, SourceError } from './source-files.js';

export interface OpenApiDocumentSpec {
  /** The document, YAML or JSON, relative to the policy folder. */
  file: string;
  /** Path prefix the document's paths live under (`/api`); default none. */
  prefix?: string;
  /** A request for a path or method the document does not define: deny (404/405, default) or allow. */
  unknownOperation?: 'deny' | 'allow';
}

export type OpenApiSectionSpec = Record<string, OpenApiDocumentSpec>;

function normalizePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  return prefix.replace(/\/+$/, '');
}

async function describe(err: unknown, deps: CompileDeps): Promise<string> {
  if (!(err instanceof SourceError)) return err instanceof Error ? err.message : String(err);
  let file = err.url;
  try {
    file = relative(deps.policyDir, fileURLToPath(err.url)) || file;
  } catch {
    // not a file URL: keep it as is
  }
  const line = await lineOf(err.url, err.pointer);
  return `${file}${line ? `:${line}` : ''}${err.pointer ? ` #${err.pointer}` : ''}: ${err.message}`;
}

export const openapiSection: PolicySection<OpenApiSectionSpec, OpenApiRegistry> = {
  key: 'openapi',
  schema: {
    type: 'object',
    propertyNames: { pattern: '^[A-Za-z0-9_.-]+$' },
    additionalProperties: {
      type: 'object',
      additionalProperties: false,
      required: ['file'],
      properties: {
        file: { type: 'string', minLength: 1 },
        prefix: { type: 'string', pattern: '^/' },
        unknownOperation: { enum: ['deny', 'allow'] },
      },
    },
  },
  async compile(spec, deps): Promise<OpenApiRegistry> {
    const out = new Map<string, CompiledOpenApi>();
    for (const [name, doc] of Object.entries(spec ?? {})) {
      const at = `openapi.${name}`;
      try {
        const compiled = await compileOpenApiDocument(fileUrl(deps.resolvePath(doc.file)), {
          name,
          prefix: normalizePrefix(doc.prefix),
          unknownOperation: doc.unknownOperation ?? 'deny',
          warn: (m) => deps.warn(at, m),
        });
        out.set(name, compiled);
        deps.logger.debug({ openapi: name, operations: compiled.operationCount }, 'OpenAPI document compiled');
      } catch (err) {
        throw new PolicyError(at, await describe(err, deps));
      }
    }
    return out;
  },
};
