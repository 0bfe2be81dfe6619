/**
 * The decision record of one ShouldRateLimit. Descriptor values that look like credentials (an Envoy
 * `request_headers` action can forward an API key or a token) are redacted.
 */
import type { RateLimitDecisionRecord } from '../decisions/record.js';
import type { RlsRequest, RlsResult } from './rls-types.js';

const SECRET_KEY = /authorization|token|secret|password|passwd|cookie|api[-_]?key|session/i;

export function buildRateLimitRecord(
  req: RlsRequest,
  result: RlsResult,
  meta: { id: string; time: string; latencyUs: number },
): RateLimitDecisionRecord {
  const descriptors = (Array.isArray(req.descriptors) ? req.descriptors : []).map((d) => {
    const out: RateLimitDecisionRecord['descriptors'][number] = {
      entries: (Array.isArray(d.entries) ? d.entries : []).map((e) => ({
        key: String(e.key),
        value: SECRET_KEY.test(String(e.key)) ? '[redacted]' : String(e.value),
      })),
    };
    if (d.hitsAddend !== undefined) out.hitsAddend = d.hitsAddend;
    return out;
  });
  const record: RateLimitDecisionRecord = {
    type: 'ratelimit',
    id: meta.id,
    time: meta.time,
    domain: String(req.domain ?? ''),
    descriptors,
    verdict: 'allow',
    overallCode: 'OK',
    statuses: [],
    latencyUs: Math.round(meta.latencyUs),
    route: '',
    clientIp: '',
  };
  const info = result.info;
  if (result.kind === 'error') {
    // INVALID_ARGUMENT is not a denial: Envoy sees an RPC error and applies failure_mode_deny.
    record.verdict = result.grpcCode === 'UNAVAILABLE' ? 'deny' : 'allow';
    record.overallCode = 'UNAVAILABLE';
    record.degraded = [...(info?.degraded ?? []), `${result.grpcCode}: ${result.message}`];
  } else {
    record.verdict = result.overallCode === 'OVER_LIMIT' ? 'deny' : 'allow';
    record.overallCode = result.overallCode;
    record.statuses = result.statuses.map((s, i) => {
      const st: RateLimitDecisionRecord['statuses'][number] = { code: s.code };
      if (s.currentLimit) {
        st.limit = `${s.currentLimit.requestsPerUnit}/${s.currentLimit.unit}${s.currentLimit.name ? ` (${s.currentLimit.name})` : ''}`;
        st.remaining = s.limitRemaining;
        st.resetSeconds = s.durationUntilResetSeconds;
      }
      if (info?.shadow?.[i]) st.shadow = true;
      return st;
    });
    if (info?.degraded?.length) record.degraded = [...info.degraded];
    if (info?.unknownDomain) record.degraded = [...(record.degraded ?? []), 'ratelimit.unknown_domain'];
  }
  if (info?.failMode) record.failMode = info.failMode;
  return record;
}
