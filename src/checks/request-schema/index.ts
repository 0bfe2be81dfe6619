/**
 * The `request-schema` check: JSON Schema validation of the body (by content type), query, path, header and
 * cookie parameters, either from the check's own schemas or from the operations of an OpenAPI document.
 * Everything is compiled when the policy loads; a request only extracts values and runs compiled validators.
 */
import { Counter } from 'prom-client';
import { PolicyError, type CheckCompileDeps, type CheckFactory } from '../../config/types.js';
import type { CompiledOpenApi, OpenApiRegistry } from '../../openapi/compiled.js';
import type { AuthzRequest, Check, DecisionContext, Outcome } from '../../pipeline/types.js';
import { compileExplicit } from './explicit.js';
import { defaultJsonLimits } from './json-scan.js';
import { deny, runPlan, type PlanResult, type RequestPlan, type RunSettings } from './plan.js';
import { requestSchemaSpecSchema, type RequestSchemaSpec } from './spec.js';

const MAX_DEPTH = 1000;
const PASS: Outcome = { pass: true };
const OPENAPI_EXCLUSIVE = ['body', 'bodyRequired', 'contentTypes', 'query', 'path', 'headers', 'cookies'] as const;

function unvalidatedCounter(deps: CheckCompileDeps): Counter<'route' | 'reason'> {
  const name = 'portcullis_schema_unvalidated_bodies_total';
  const existing = deps.metrics.getSingleMetric(name);
  if (existing) return existing as Counter<'route' | 'reason'>;
  return new Counter({
    name,
    help: 'Bodies let through without validation by request-schema (partialBody: allow), by route and reason.',
    labelNames: ['route', 'reason'],
    registers: [deps.metrics],
  });
}

function settingsOf(spec: RequestSchemaSpec): RunSettings {
  return {
    partialBody: spec.partialBody ?? 'deny',
    maxErrors: spec.maxErrors ?? 5,
    // Validators recurse with recursive schemas: past ~1000 levels the stack, not the policy, would decide.
    jsonLimits: { ...defaultJsonLimits, ...spec.jsonLimits, maxDepth: Math.min(spec.jsonLimits?.maxDepth ?? defaultJsonLimits.maxDepth, MAX_DEPTH) },
  };
}

function lookupDocument(spec: RequestSchemaSpec, deps: CheckCompileDeps): CompiledOpenApi {
  for (const key of OPENAPI_EXCLUSIVE) {
    if (spec[key] !== undefined) throw new PolicyError(`${deps.at}.${key}`, 'cannot be combined with `openapi`: the document defines the schemas');
  }
  const registry = deps.shared['openapi'] as OpenApiRegistry | undefined;
  const doc = registry?.get(spec.openapi!);
  if (!doc) {
    const known = registry ? [...registry.keys()] : [];
    throw new PolicyError(`${deps.at}.openapi`, `no OpenAPI document named "${spec.openapi}" in the top-level openapi section${known.length ? ` (known: ${known.join(', ')})` : ''}`);
  }
  return doc;
}

export const requestSchemaCheck: CheckFactory<RequestSchemaSpec> = {
  kind: 'request-schema',
  codePrefix: 'schema',
  schema: requestSchemaSpecSchema,
  readsBody: (spec) => spec.body !== undefined || spec.openapi !== undefined,
  async compile(spec, deps): Promise<Check> {
    const settings = settingsOf(spec);
    const counter = unvalidatedCounter(deps);
    const route = deps.route.name;
    const finish = (r: PlanResult, notes?: Record<string, unknown>): Outcome => {
      if (r === undefined) return notes ? { pass: true, notes } : PASS;
      if ('unvalidated' in r) {
        counter.inc({ route, reason: r.unvalidated });
        return { pass: true, notes: { ...notes, bodyValidated: false, bodyUnvalidatedReason: r.unvalidated } };
      }
      if (notes) r.notes = notes;
      return r;
    };

    if (spec.openapi !== undefined) {
      const doc = lookupDocument(spec, deps);
      const unknown = spec.unknownOperation ?? doc.unknownOperation;
      return {
        name: 'request-schema',
        kind: 'request-schema',
        run(req: AuthzRequest): Outcome {
          const m = doc.match(req.method, req.path);
          if (m.kind === 'operation') return finish(runPlan(m.operation.plan, req, m.pathParams, settings), { operation: m.operation.id });
          if (unknown === 'allow') return { pass: true, notes: { operation: null } };
          if (m.kind === 'no-path') return deny('schema.operation_not_found', [{ location: 'path', message: 'is not an operation of this API' }]);
          const out = deny('schema.method_not_allowed', [{ location: 'method', message: `must be one of ${m.allowed.join(', ')}` }]);
          out.headers = { allow: m.allowed.join(', ') };
          return out;
        },
      };
    }

    if (spec.unknownOperation !== undefined) throw new PolicyError(`${deps.at}.unknownOperation`, 'applies only with `openapi`');
    const plan: RequestPlan = await compileExplicit(spec, deps);
    return {
      name: 'request-schema',
      kind: 'request-schema',
      run(req: AuthzRequest, ctx: DecisionContext): Outcome {
        return finish(runPlan(plan, req, ctx.pathParams, settings));
      },
    };
  },
};
