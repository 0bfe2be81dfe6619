/** Turns a request and its verdict into the decision record (the recorder redacts further before any sink). */
import type { CheckDecisionRecord } from '../decisions/record.js';
import type { AuthzRequest, Verdict } from './types.js';

/** The path with every query value replaced, so records never carry tokens or personal data from URLs. */
export function redactedPath(req: Pick<AuthzRequest, 'rawPath' | 'rawQuery'>): string {
  const q = req.rawPath.indexOf('?');
  if (q < 0) return req.rawPath;
  const names = req.rawQuery
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? p : `${p.slice(0, eq)}=*`;
    });
  return `${req.rawPath.slice(0, q)}?${names.join('&')}`;
}

export function toCheckRecord(req: AuthzRequest, v: Verdict, latencyUs: number): CheckDecisionRecord {
  const rec: CheckDecisionRecord = {
    type: 'check',
    id: req.id,
    time: new Date(req.time).toISOString(),
    requestId: req.requestId,
    route: v.route,
    method: req.method,
    host: req.host,
    path: redactedPath(req),
    clientIp: req.clientIp,
    verdict: v.allow ? 'allow' : 'deny',
    status: v.status,
    checks: v.checks,
    latencyUs,
  };
  if (req.traceparent) rec.traceparent = req.traceparent;
  if (v.principal) rec.principal = v.principal;
  if (v.code) rec.code = v.code;
  if (v.shadowDenied) rec.shadowDenied = v.shadowDenied;
  if (v.degraded.length > 0) rec.degraded = v.degraded;
  for (const c of v.checks) {
    const waf = c.notes?.waf as { ruleIds?: string[]; matched?: Array<{ id: string | number }> } | undefined;
    if (waf) rec.ruleIds = waf.ruleIds ?? waf.matched?.map((m) => String(m.id));
    const rl = c.notes?.ratelimit as Record<string, unknown> | undefined;
    if (rl) rec.ratelimit = rl;
  }
  return rec;
}
