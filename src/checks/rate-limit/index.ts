/**
 * The `rate-limit` check: Kong-style per-route limits inside the ext_authz decision. Several windows at once
 * (all must pass), counted in the policy's `ratelimit` store in one batch, keyed by consumer (falling back to
 * the client IP, as Kong does), client IP, a header, or the whole route.
 */
import type { CheckFactory } from '../../config/types.js';
import { PolicyError } from '../../config/types.js';
import type { AuthzRequest, DecisionContext, Outcome } from '../../pipeline/types.js';
import { ALGORITHMS, type Algorithm, type LimitOp, type LimitResult } from '../../ratelimit/algorithms.js';
import type { ApplyOutcome } from '../../ratelimit/limiter.js';
import type { FailMode } from '../../ratelimit/domain-config.js';
import { routeCounterKey, routeTag } from '../../ratelimit/keys.js';
import { boundDecisionCounter } from '../../ratelimit/metrics.js';
import type { RateLimitResource } from '../../ratelimit/section.js';
import { UNIT_SECONDS } from '../../ratelimit/units.js';

export const WINDOWS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'year'] as const;
export type WindowName = (typeof WINDOWS)[number];

export interface RateLimitCheckSpec {
  limits: Partial<Record<WindowName, number>>;
  /** consumer (default) | ip | route | header:<name> */
  by?: string;
  algorithm?: Algorithm;
  failMode?: FailMode;
  hideClientHeaders?: boolean;
}

interface Window {
  name: WindowName;
  limit: number;
  windowMs: number;
  /** Header names and the limit as text, built once. */
  limitHeader: string;
  remainingHeader: string;
  limitText: string;
}

export const rateLimitCheck: CheckFactory<RateLimitCheckSpec> = {
  kind: 'rate-limit',
  codePrefix: 'ratelimit',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['limits'],
    properties: {
      limits: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: Object.fromEntries(WINDOWS.map((w) => [w, { type: 'integer', minimum: 0, maximum: 4294967295 }])),
      },
      by: { type: 'string', pattern: '^(consumer|ip|route|header:[!#$%&\'*+\\-.^_`|~0-9A-Za-z]+)$' },
      algorithm: { enum: [...ALGORITHMS] },
      failMode: { enum: ['open', 'closed'] },
      hideClientHeaders: { type: 'boolean' },
    },
  },
  compile(spec, deps) {
    const resource = deps.shared.ratelimit as RateLimitResource | undefined;
    if (!resource) throw new PolicyError(deps.at, 'no ratelimit store is available (the ratelimit section did not compile)');
    const windows: Window[] = [];
    for (const name of WINDOWS) {
      const limit = spec.limits[name];
      if (limit === undefined || limit === null) continue;
      windows.push({ name, limit, limitHeader: `x-ratelimit-limit-${name}`, remainingHeader: `x-ratelimit-remaining-${name}`, limitText: String(limit), windowMs: UNIT_SECONDS[name.toUpperCase() as keyof typeof UNIT_SECONDS] * 1000 });
    }
    if (windows.length === 0) throw new PolicyError(`${deps.at}.limits`, 'set at least one window (second, minute, hour, day, week, month, year)');
    const by = spec.by ?? 'consumer';
    const header = by.startsWith('header:') ? by.slice('header:'.length).toLowerCase() : undefined;
    const algorithm = spec.algorithm ?? resource.algorithm;
    const failMode = spec.failMode ?? resource.failMode;
    const hide = spec.hideClientHeaders ?? false;
    const route = deps.route.name;
    const limiter = resource.limiter;
    const tally = {
      ok: boundDecisionCounter(resource.metrics, 'check', route, 'ok'),
      over: boundDecisionCounter(resource.metrics, 'check', route, 'over_limit'),
      degraded: boundDecisionCounter(resource.metrics, 'check', route, 'degraded'),
      unavailable: boundDecisionCounter(resource.metrics, 'check', route, 'unavailable'),
    };

    const twice = resource.domainsNamingRoute(route);
    if (twice.length > 0) {
      deps.warn(deps.at, `route '${route}' is limited twice: by this rate-limit check and by RLS domain(s) ${twice.join(', ')} (each counts its own hits)`);
    }

    const subject = (req: AuthzRequest, ctx: DecisionContext): [kind: string, value: string] => {
      if (by === 'route') return ['route', route];
      if (by === 'consumer' && ctx.identity?.principal) return ['consumer', ctx.identity.principal];
      if (header) {
        const v = req.headers[header];
        if (v !== undefined && v !== '') return [header, v];
      }
      return ['ip', req.clientIp];
    };

    return {
      name: 'rate-limit',
      kind: 'rate-limit',
      run(req, ctx): Outcome | Promise<Outcome> {
        const [kind, value] = subject(req, ctx);
        const key = routeCounterKey(route, kind, value);
        const tag = routeTag(route, value);
        const ops: LimitOp[] = windows.map((w) => ({ key, tag, algorithm, limit: w.limit, windowMs: w.windowMs, hits: 1, dryRun: ctx.dryRun }));
        // The memory store answers at once: no promise, so the pipeline goes on in the same turn.
        const applied = limiter.apply(ops);
        return applied instanceof Promise ? applied.then((outcome) => judge(outcome, kind, ctx)) : judge(applied, kind, ctx);
      },
    };

    /** The check's answer to the store's counts (or to its failure). */
    function judge(outcome: ApplyOutcome, kind: string, ctx: DecisionContext): Outcome {
      if (!outcome.ok) {
        const reason = `ratelimit.store_unavailable: ${outcome.reason}`;
        const notes = { ratelimit: { by: kind, failMode, degraded: outcome.reason } };
        if (failMode === 'closed') {
          tally.unavailable.n++;
          return { pass: false, status: 503, code: 'ratelimit.store_unavailable', reason: `${reason} (${outcome.message})`, notes };
        }
        ctx.degraded.push(reason);
        tally.degraded.n++;
        return { pass: true, notes };
      }
      const results = outcome.results;
      let tightest = 0;
      let overIndex = -1;
      let retryMs = 0;
      for (let i = 0; i < results.length; i++) {
        const r = results[i]!;
        if (r.remaining < results[tightest]!.remaining) tightest = i;
        // The binding window is the one that keeps the client out longest.
        if (!r.allowed && (overIndex < 0 || r.retryAfterMs > retryMs)) {
          overIndex = i;
          retryMs = r.retryAfterMs;
        }
      }
      const notes = {
        ratelimit: {
          by: kind,
          algorithm,
          windows: windows.map((w, i) => ({ window: w.name, limit: w.limit, remaining: results[i]!.remaining, resetSeconds: Math.ceil(results[i]!.resetMs / 1000) })),
          ...(overIndex >= 0 ? { over: windows[overIndex]!.name } : {}),
          ...(ctx.dryRun ? { dryRun: true } : {}),
        },
      };
      const headers = hide ? undefined : clientHeaders(windows, results, tightest);
      if (overIndex >= 0) {
        tally.over.n++;
        const retryAfter = String(Math.max(1, Math.ceil(retryMs / 1000)));
        return {
          pass: false,
          status: 429,
          code: 'ratelimit.over_limit',
          reason: `over the ${windows[overIndex]!.name} limit of ${windows[overIndex]!.limit} for ${kind}`,
          headers: { ...headers, 'retry-after': retryAfter },
          notes,
        };
      }
      tally.ok.n++;
      return headers ? { pass: true, headers: { response: headers }, notes } : { pass: true, notes };
    }
  },
};

/** Kong's headers: per-window limit and remaining, plus the IETF draft trio from the tightest window. */
function clientHeaders(windows: readonly Window[], results: readonly LimitResult[], tightest: number): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!;
    h[w.limitHeader] = w.limitText;
    h[w.remainingHeader] = String(results[i]!.remaining);
  }
  const t = results[tightest]!;
  const remaining = String(t.remaining);
  h['ratelimit-limit'] = windows[tightest]!.limitText;
  h['ratelimit-remaining'] = remaining;
  h['ratelimit-reset'] = String(Math.ceil(t.resetMs / 1000));
  h['x-ratelimit-remaining'] = remaining;
  return h;
}
