/**
 * Compiles an OpenAPI document into operations with validation plans and a path router, once per policy.
 */
import { compileMedia, compileParams } from '../checks/request-schema/compile-plan.js';
import type { LocationPlan, RequestPlan } from '../checks/request-schema/plan.js';
import { SchemaCompiler } from '../checks/request-schema/schema-compiler.js';
import type { CompiledOpenApi, CompiledOperation, OpenApiMatch } from './compiled.js';
import { loadOpenApiDocument } from './load-document.js';
import { deriveOperations } from './operations.js';
import { parseTemplate, PathRouter } from './path-router.js';
import { deref, SourceError } from './source-files.js';
import type { OperationDef, ParamLocation } from './types.js';

export interface DocumentOptions {
  name: string;
  /** Path prefix put before every template (`/api`), without a trailing slash; "" for none. */
  prefix: string;
  unknownOperation: 'deny' | 'allow';
  warn(message: string): void;
}

interface MethodEntry {
  operation: CompiledOperation;
  names: string[];
}

const PARAM_ORDER: readonly ParamLocation[] = ['path', 'query', 'header', 'cookie'];

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function whereOf(where: string): { url: string; pointer: string } {
  const hash = where.indexOf('#');
  return { url: where.slice(0, hash), pointer: where.slice(hash + 1) };
}

/** Checks each schema an operation uses against the dialect's meta-schema, located where it is written. */
function checkSchemas(op: OperationDef, compiler: SchemaCompiler, files: Map<string, unknown>, dialect: 'draft-07' | '2020-12'): void {
  const refs: string[] = [];
  for (const p of op.params) if (p.schema && typeof p.schema === 'object') refs.push((p.schema as { $ref: string }).$ref);
  for (const m of op.body?.media ?? []) if (m.schema) refs.push((m.schema as { $ref: string }).$ref);
  for (const ref of refs) {
    const target = deref(files, { $ref: ref }, 'file:///', '');
    const problem = compiler.metaErrors(target.value, dialect);
    if (problem) throw new SourceError(target.url, target.pointer, problem);
  }
}

function compileOperation(op: OperationDef, compiler: SchemaCompiler, dialect: 'draft-07' | '2020-12'): RequestPlan {
  const locations: LocationPlan[] = [];
  try {
    for (const loc of PARAM_ORDER) {
      const plan = compileParams(loc, op.params, compiler, dialect);
      if (plan) locations.push(plan);
    }
    if (!op.body) return { locations };
    const media = compileMedia(op.body.media, compiler, dialect);
    const required = op.body.required;
    return { locations, body: { required: () => required, media } };
  } catch (err) {
    if (err instanceof SourceError) throw err;
    const { url, pointer } = whereOf(op.where);
    throw new SourceError(url, pointer, err instanceof Error ? err.message : String(err));
  }
}

export async function compileOpenApiDocument(url: string, opts: DocumentOptions): Promise<CompiledOpenApi> {
  const ld = await loadOpenApiDocument(url);
  const ops = deriveOperations(ld, opts.prefix);
  const dialect = ld.version === '3.1' ? '2020-12' : 'draft-07';
  const compiler = new SchemaCompiler(ld.files, { loose: true, warn: opts.warn });
  const router = new PathRouter<Map<string, MethodEntry>>();
  for (const op of ops) {
    checkSchemas(op, compiler, ld.files, dialect);
    const plan = compileOperation(op, compiler, dialect);
    let names: string[];
    try {
      names = parseTemplate(op.template).names;
    } catch (err) {
      const { url: u, pointer } = whereOf(op.where);
      throw new SourceError(u, pointer, (err as Error).message);
    }
    const methods = router.add(op.template, () => new Map());
    if (methods.has(op.method)) {
      const { url: u, pointer } = whereOf(op.where);
      throw new SourceError(u, pointer, `${op.method} ${op.template} is defined twice (templates differing only in parameter names are the same path)`);
    }
    methods.set(op.method, { operation: { id: op.operationId ?? `${op.method} ${op.template}`, plan }, names });
  }

  return {
    name: opts.name,
    prefix: opts.prefix,
    unknownOperation: opts.unknownOperation,
    operationCount: ops.length,
    match(method: string, path: string): OpenApiMatch {
      const found = router.match(path);
      if (!found) return { kind: 'no-path' };
      const entry = found.value.get(method) ?? (method === 'HEAD' ? found.value.get('GET') : undefined);
      if (!entry) return { kind: 'no-method', allowed: [...found.value.keys()] };
      const pathParams: Record<string, string> = Object.create(null);
      entry.names.forEach((n, i) => {
        pathParams[n] = decodeParam(found.values[i] ?? '');
      });
      return { kind: 'operation', operation: entry.operation, pathParams };
    },
  };
}
