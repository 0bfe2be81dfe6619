/** Turns a request and its verdict into the decision record (the recorder redacts further before any sink). */
import type { CheckDecisionRecord } from '../decisions/record.js';
import type { AuthzRequest, Verdict } from './types.js';

const EMPTY_PARAM = /^&|&&|&$|^$/;
const PARAM_VALUE = /=[^&]*/g;

/** The time of a record, ISO 8601: formatted once per second, then the milliseconds appended. */
let isoSecond = -1;
let isoPrefix = '';

function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond || !Number.isFinite(ms)) {
    const d = new Date(second * 1000);
    if (Number.isNaN(d.getTime())) return new Date(ms).toISOString();
    isoSecond = second;
    isoPrefix = d.toISOString().slice(0, -4);
  }
  const frac = ms - second * 1000;
  return `${isoPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${Math.floor(frac)}Z`;
}

/** The path with every query value replaced, so records never carry tokens or personal data from URLs. */
export function redactedPath(req: Pick<AuthzRequest, 'rawPath' | 'rawQuery'>): string {
  const q = req.rawPath.indexOf('?');
  if (q < 0) return req.rawPath;
  // One replace when no parameter is empty (`a=1&&b`, a leading or trailing `&`), which the general path drops.
  if (!EMPTY_PARAM.test(req.rawQuery)) return `${req.rawPath.slice(0, q)}?${req.rawQuery.replace(PARAM_VALUE, '=*')}`;
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
    time: isoTime(req.time),
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
