/** Admin endpoints reading the decision store: `GET /decisions`, `GET /decisions/stats`, `GET /decisions/{id}`. */
import { parseFilter, parseStatsQuery } from '../../decisions/query.js';
import type { DecisionStore } from '../../decisions/store.js';
import type { AdminContext, AdminResponse, AdminRoute } from '../types.js';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

function storeOf(ctx: AdminContext): DecisionStore | undefined {
  return ctx.decisionStore() as DecisionStore | undefined;
}

const noStore: AdminResponse = {
  status: 503,
  body: { error: 'decisions.no_store', message: 'no decision store is configured (decisions.sqlite is false and no decisions.postgres)' },
};

function badFilter(errors: string[]): AdminResponse {
  return { status: 400, body: { error: 'decisions.bad_filter', message: errors.join('; '), errors } };
}

/** A store failure is the store's trouble, not the caller's: 503 with the cause, logged once per call. */
async function guarded(ctx: AdminContext, fn: () => Promise<AdminResponse>): Promise<AdminResponse> {
  try {
    return await fn();
  } catch (err) {
    ctx.logger.warn({ err: (err as Error).message }, 'decision store query failed');
    return { status: 503, body: { error: 'decisions.store_unavailable', message: `the decision store could not answer: ${(err as Error).message}` } };
  }
}

/** `format` (json | ndjson) is the endpoint's own; everything else is a filter. */
function splitFormat(query: URLSearchParams): { format: string; params: URLSearchParams } {
  const params = new URLSearchParams(query);
  const format = params.get('format') ?? 'json';
  params.delete('format');
  return { format, params };
}

export const decisionRoutes: AdminRoute[] = [
  {
    method: 'GET',
    pattern: /^\/decisions\/?$/,
    async handle(req, _params, ctx) {
      const store = storeOf(ctx);
      if (!store) return noStore;
      const { format, params } = splitFormat(req.query);
      if (format !== 'json' && format !== 'ndjson') return badFilter([`'format' must be json or ndjson, not '${format.slice(0, 20)}'`]);
      const f = parseFilter(params);
      if (!f.ok) return badFilter(f.errors);
      return guarded(ctx, async () => {
        const records = await store.query(f.value);
        if (format === 'ndjson') return { status: 200, contentType: 'application/x-ndjson', body: records.map((r) => `${JSON.stringify(r)}\n`).join('') };
        return { status: 200, body: { count: records.length, limit: f.value.limit, decisions: records } };
      });
    },
  },
  {
    method: 'GET',
    pattern: /^\/decisions\/stats\/?$/,
    async handle(req, _params, ctx) {
      const store = storeOf(ctx);
      if (!store) return noStore;
      const q = parseStatsQuery(req.query);
      if (!q.ok) return badFilter(q.errors);
      return guarded(ctx, async () => ({ status: 200, body: await store.stats(q.value) }));
    },
  },
  {
    method: 'GET',
    pattern: /^\/decisions\/(?!stats\/?$)([^/]+)$/,
    async handle(_req, params, ctx) {
      const store = storeOf(ctx);
      if (!store) return noStore;
      let id: string;
      try {
        id = decodeURIComponent(params[0] ?? '');
      } catch {
        id = '';
      }
      if (!ID.test(id)) return { status: 400, body: { error: 'decisions.bad_id', message: 'a decision id is 1-128 characters of letters, digits and . _ : -' } };
      return guarded(ctx, async () => {
        const rec = await store.get(id);
        return rec ? { status: 200, body: rec } : { status: 404, body: { error: 'decisions.not_found', message: `no decision ${id}` } };
      });
    },
  },
];
