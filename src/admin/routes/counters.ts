/**
 * Rate-limit counters of the policy serving now: `GET /counters` reads one counter identity (every window and
 * algorithm it has), `POST /counters/reset` (or `DELETE /counters`) deletes them.
 *
 * An RLS descriptor:   ?domain=edge&entry=remote_address=10.0.0.1[&entry=path=/api]   (entries in order)
 * A per-route limit:   ?route=user-routes&by=consumer|ip|header:<name>|route&value=alice
 * POST may send the same as a JSON body: { "domain", "entries": [{ "key", "value" }] } or { "route", "by", "value" }.
 */
import type { CounterQuery, RateLimitResource } from '../../ratelimit/section.js';
import type { AdminContext, AdminRequest, AdminResponse, AdminRoute } from '../types.js';

const MAX_PART = 4096;

function bad(message: string): AdminResponse {
  return { status: 400, body: { error: 'counters.bad_query', message } };
}

function resourceOf(ctx: AdminContext): RateLimitResource | undefined {
  const r = ctx.shared().ratelimit as RateLimitResource | undefined;
  return r && typeof r.readCounters === 'function' ? r : undefined;
}

const noLimiter: AdminResponse = { status: 503, body: { error: 'counters.unavailable', message: 'no rate limiter is running' } };

/** Reads a query from URL parameters, or from a JSON body when one is sent. */
export function parseCounterQuery(req: Pick<AdminRequest, 'query' | 'body'>): { ok: true; query: CounterQuery } | { ok: false; message: string } {
  let src: Record<string, unknown> = {};
  if (req.body && req.body.length > 0) {
    try {
      const parsed: unknown = JSON.parse(req.body.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, message: 'the body must be a JSON object' };
      src = parsed as Record<string, unknown>;
    } catch {
      return { ok: false, message: 'the body is not valid JSON' };
    }
  } else {
    const q = req.query;
    const entries = q.getAll('entry').map((e) => {
      const i = e.indexOf('=');
      return i < 0 ? { key: e, value: '' } : { key: e.slice(0, i), value: e.slice(i + 1) };
    });
    src = { domain: q.get('domain') ?? undefined, entries, route: q.get('route') ?? undefined, by: q.get('by') ?? undefined, value: q.get('value') ?? undefined };
  }
  const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_PART;
  if (src.domain !== undefined) {
    if (!str(src.domain)) return { ok: false, message: "'domain' must be a non-empty string" };
    const entries = src.entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > 32) return { ok: false, message: "give the descriptor as 1 to 32 'entry=key=value' parameters (in order)" };
    const out: Array<{ key: string; value: string }> = [];
    for (const e of entries) {
      const key = (e as { key?: unknown })?.key;
      const value = (e as { value?: unknown })?.value ?? '';
      if (!str(key) || typeof value !== 'string' || value.length > MAX_PART) return { ok: false, message: 'every entry needs a key (and a string value)' };
      out.push({ key, value });
    }
    return { ok: true, query: { domain: src.domain, entries: out } };
  }
  if (src.route !== undefined) {
    if (!str(src.route)) return { ok: false, message: "'route' must be a non-empty string" };
    const by = src.by ?? 'consumer';
    if (typeof by !== 'string') return { ok: false, message: "'by' must be consumer, ip, route or header:<name>" };
    if (by === 'route') return { ok: true, query: { route: src.route, by: 'route', value: src.route } };
    let kind: string;
    if (by === 'consumer' || by === 'ip') kind = by;
    else if (by.startsWith('header:') && by.length > 7) kind = by.slice(7).toLowerCase();
    else return { ok: false, message: "'by' must be consumer, ip, route or header:<name>" };
    if (!str(src.value)) return { ok: false, message: "'value' is required (the consumer, IP or header value)" };
    return { ok: true, query: { route: src.route, by: kind, value: src.value } };
  }
  return { ok: false, message: "give 'domain' and 'entry' parameters (an RLS descriptor) or 'route', 'by' and 'value' (a per-route limit)" };
}

async function guarded(ctx: AdminContext, fn: () => Promise<AdminResponse>): Promise<AdminResponse> {
  try {
    return await fn();
  } catch (err) {
    ctx.logger.warn({ err: (err as Error).message }, 'rate-limit counter store call failed');
    return { status: 503, body: { error: 'ratelimit.store_unavailable', message: `the counter store could not answer: ${(err as Error).message}` } };
  }
}

async function reset(req: AdminRequest, ctx: AdminContext): Promise<AdminResponse> {
  const r = resourceOf(ctx);
  if (!r) return noLimiter;
  const q = parseCounterQuery(req);
  if (!q.ok) return bad(q.message);
  return guarded(ctx, async () => {
    const { key, removed } = await r.resetCounters(q.query);
    ctx.logger.info({ key, removed }, 'rate-limit counters reset through the admin API');
    return { status: 200, body: { store: r.store.kind, key, removed } };
  });
}

export const counterRoutes: AdminRoute[] = [
  {
    method: 'GET',
    pattern: /^\/counters\/?$/,
    async handle(req, _params, ctx) {
      const r = resourceOf(ctx);
      if (!r) return noLimiter;
      const q = parseCounterQuery({ query: req.query, body: Buffer.alloc(0) });
      if (!q.ok) return bad(q.message);
      return guarded(ctx, async () => ({ status: 200, body: await r.readCounters(q.query) }));
    },
  },
  { method: 'POST', pattern: /^\/counters\/reset\/?$/, handle: (req, _p, ctx) => reset(req, ctx) },
  { method: 'DELETE', pattern: /^\/counters\/?$/, handle: (req, _p, ctx) => reset(req, ctx) },
];
