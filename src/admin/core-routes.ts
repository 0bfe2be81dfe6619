/** The core admin endpoints: health, readiness, metrics, effective config, reload and eval. */
import type { CompiledPolicy } from '../config/compile.js';
import { redactConfig } from '../config/redact-config.js';
import { EvalInputError, explain } from '../eval/explain.js';
import type { ReloadResult } from '../runtime/policy-holder.js';
import type { AdminRoute } from './types.js';

export interface CoreAdminDeps {
  policy(): CompiledPolicy;
  reload(reason: string): Promise<ReloadResult>;
  /** Reasons the service is not ready (empty when ready). */
  readiness(): string[];
  /** Facts shown beside the reasons (e.g. decision records queued, written and dropped). */
  readinessDetail(): Record<string, unknown>;
}

export function coreRoutes(deps: CoreAdminDeps): AdminRoute[] {
  return [
    { method: 'GET', pattern: /^\/healthz$/, handle: () => ({ status: 200, body: { status: 'ok' } }) },
    {
      method: 'GET',
      pattern: /^\/readyz$/,
      handle: () => {
        const reasons = deps.readiness();
        return { status: reasons.length === 0 ? 200 : 503, body: { ready: reasons.length === 0, reasons, ...deps.readinessDetail() } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/metrics$/,
      handle: async (_req, _p, ctx) => ({ status: 200, body: await ctx.metrics.metrics(), contentType: ctx.metrics.contentType }),
    },
    {
      method: 'GET',
      pattern: /^\/config$/,
      handle: () => {
        const p = deps.policy();
        return { status: 200, body: { file: p.file, hash: p.hash, compiledAt: p.compiledAt, warnings: p.warnings, policy: redactConfig(p.spec) } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/reload$/,
      handle: async () => {
        const r = await deps.reload('admin API');
        return r.ok
          ? { status: 200, body: { ok: true, changed: r.changed, hash: r.hash, warnings: r.warnings } }
          : { status: 422, body: { ok: false, error: 'config.reload_failed', errors: r.errors } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/eval$/,
      handle: async (req) => {
        let body: unknown;
        try {
          body = JSON.parse(req.body.toString('utf8'));
        } catch {
          return { status: 400, body: { error: 'eval.bad_request', message: 'the body must be JSON: a CheckRequest or { method, path, headers, body }' } };
        }
        try {
          return { status: 200, body: await explain(deps.policy(), body) };
        } catch (err) {
          if (err instanceof EvalInputError) return { status: 400, body: { error: 'eval.bad_request', message: err.message } };
          throw err;
        }
      },
    },
  ];
}
