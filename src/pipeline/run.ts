/**
 * Runs one request through the policy: route match, checks in the route's order, stop at the first enforced
 * deny. A thrown error is not a deny: the check's `onError` decides, and internal trouble is answered as a
 * coded 503 deny, never as an RPC error (Envoy may be set to let RPC errors through).
 */
import type { CompiledCheck, CompiledPolicy, CompiledRoute } from '../config/compile.js';
import { errorInfo, isErrorCode, type ErrorCode } from '../lib/errors.js';
import type { AuthzRequest, CheckResult, DecisionContext, DenyOutcome, Outcome, Verdict } from './types.js';

export interface RunOptions {
  /** Epoch ms by which the answer must be ready. */
  deadline: number;
  /** Explain only (`eval`): checks must not consume counters. */
  dryRun?: boolean;
}

/** Milliseconds left that make starting another check pointless. */
const DEADLINE_MARGIN_MS = 1;

function now(): number {
  return performance.now();
}

/** Milliseconds since `started`, to the microsecond (records and eval output stay short and readable). */
function since(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

function findRoute(policy: CompiledPolicy, req: AuthzRequest): { route: CompiledRoute; params: Record<string, string> } | undefined {
  for (const route of policy.routes) {
    const params = route.match(req);
    if (params) return { route, params };
  }
  return undefined;
}

/** Serializes the client-facing deny body: `{ error, message, request_id }`, plus safe details. */
export function denyBody(code: string, message: string, requestId: string, details?: Record<string, unknown>): string {
  return JSON.stringify({ error: code, message, request_id: requestId, ...details });
}

function newVerdict(route: string): Verdict {
  return {
    allow: true,
    status: 200,
    setHeaders: {},
    appendHeaders: {},
    removeHeaders: [],
    responseHeaders: {},
    metadata: {},
    route,
    checks: [],
    degraded: [],
  };
}

/** A deny verdict for a code from the catalogue (bad requests, overload, deadline, default route). */
export function denyVerdict(req: Pick<AuthzRequest, 'requestId' | 'id'>, code: ErrorCode, reason: string, route = '', status?: number): Verdict {
  const info = errorInfo(code);
  const v = newVerdict(route);
  v.allow = false;
  v.status = status ?? info.status;
  v.code = code;
  v.message = info.message;
  v.reason = reason;
  v.responseHeaders = { 'content-type': 'application/json' };
  v.body = denyBody(code, info.message, req.requestId);
  v.metadata = { decision_id: req.id, route };
  return v;
}

function applyDeny(v: Verdict, req: AuthzRequest, outcome: DenyOutcome): void {
  v.allow = false;
  v.status = outcome.status;
  v.code = outcome.code;
  v.reason = outcome.reason;
  const info = isErrorCode(outcome.code) ? errorInfo(outcome.code) : undefined;
  const message = outcome.message ?? info?.message ?? 'Denied';
  v.message = message;
  v.setHeaders = {};
  v.appendHeaders = {};
  v.removeHeaders = [];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [k, val] of Object.entries(outcome.headers ?? {})) headers[k.toLowerCase()] = val;
  v.responseHeaders = headers;
  if (typeof outcome.body === 'string') v.body = outcome.body;
  else if (outcome.body) v.body = JSON.stringify(outcome.body);
  else v.body = denyBody(outcome.code, message, req.requestId, outcome.details);
}

function checkErrorOutcome(c: CompiledCheck, err: unknown): DenyOutcome {
  const code = (isErrorCode(c.errorCode) ? c.errorCode : 'server.internal') as ErrorCode;
  return { pass: false, status: 503, code, reason: `check ${c.name} failed: ${err instanceof Error ? err.message : String(err)}` };
}

export async function runPipeline(policy: CompiledPolicy, req: AuthzRequest, opts: RunOptions): Promise<Verdict> {
  const found = findRoute(policy, req);
  if (!found) {
    if (policy.defaultAction.action === 'deny') {
      return denyVerdict(req, 'route.not_found', 'no route matched', '', policy.defaultAction.status);
    }
    const v = newVerdict('');
    finishAllow(policy, req, v, undefined);
    return v;
  }
  const { route, params } = found;
  const v = newVerdict(route.name);

  const contentLength = req.headers['content-length'];
  if (contentLength !== undefined && Number(contentLength) > route.maxBodyBytes) {
    return denyVerdict(req, 'request.body_too_large', `content-length ${contentLength} exceeds ${route.maxBodyBytes}`, route.name);
  }

  const ctx: DecisionContext = { route: route.name, pathParams: params, deadline: opts.deadline, degraded: v.degraded, dryRun: opts.dryRun === true };
  for (const c of route.checks) {
    if (Date.now() + DEADLINE_MARGIN_MS >= opts.deadline) {
      const d = denyVerdict(req, 'server.deadline', `deadline reached before check ${c.name}`, route.name);
      d.checks = v.checks;
      d.checks.push({ name: c.name, kind: c.kind, result: 'skipped', code: 'server.deadline', ms: 0 });
      return d;
    }
    const started = now();
    let outcome: Outcome;
    let errored = false;
    try {
      const r = c.check.run(req, ctx);
      outcome = r instanceof Promise ? await r : r;
    } catch (err) {
      errored = true;
      outcome = checkErrorOutcome(c, err);
      if (c.onError === 'allow') {
        v.checks.push({ name: c.name, kind: c.kind, result: 'error', code: outcome.code, reason: outcome.reason, ms: since(started) });
        v.degraded.push(`${c.name}: error, allowed by onError`);
        continue;
      }
    }
    const ms = since(started);
    if (outcome.pass) {
      v.checks.push(resultOf(c, 'pass', ms, outcome.notes));
      const h = outcome.headers;
      if (h) {
        if (h.set) Object.assign(v.setHeaders, h.set);
        if (h.append) Object.assign(v.appendHeaders, h.append);
        if (h.remove) v.removeHeaders.push(...h.remove);
        if (h.response) Object.assign(v.responseHeaders, h.response);
      }
      if (outcome.metadata) Object.assign(v.metadata, outcome.metadata);
      continue;
    }
    if (c.shadow || route.shadow) {
      v.checks.push({ ...resultOf(c, 'shadow-deny', ms, outcome.notes), code: outcome.code, reason: outcome.reason });
      v.shadowDenied ??= { check: c.name, code: outcome.code };
      continue;
    }
    v.checks.push({ ...resultOf(c, errored ? 'error' : 'deny', ms, outcome.notes), code: outcome.code, reason: outcome.reason });
    applyDeny(v, req, outcome);
    v.metadata = { decision_id: req.id, route: route.name };
    if (ctx.identity) {
      v.principal = ctx.identity.principal;
      v.metadata.principal = ctx.identity.principal;
    }
    return v;
  }
  finishAllow(policy, req, v, ctx);
  return v;
}

function resultOf(c: CompiledCheck, result: CheckResult['result'], ms: number, notes?: Record<string, unknown>): CheckResult {
  const r: CheckResult = { name: c.name, kind: c.kind, result, ms };
  if (notes) r.notes = notes;
  return r;
}

/**
 * Identity headers not set by a check this time are removed, so a client can never forge them; a header
 * that is set is never also listed for removal (Envoy removes after it sets).
 */
function finishAllow(policy: CompiledPolicy, req: AuthzRequest, v: Verdict, ctx: DecisionContext | undefined): void {
  if (v.removeHeaders.length > 0 || policy.identityHeaders.length > 0) {
    const remove = new Set(v.removeHeaders);
    for (const h of policy.identityHeaders) if (!(h in v.setHeaders)) remove.add(h);
    for (const h of Object.keys(v.setHeaders)) remove.delete(h);
    for (const h of Object.keys(v.appendHeaders)) remove.delete(h);
    v.removeHeaders = [...remove];
  }
  v.metadata.decision_id = req.id;
  v.metadata.route = v.route;
  if (ctx?.identity) {
    v.principal = ctx.identity.principal;
    v.metadata.principal = ctx.identity.principal;
  }
}
