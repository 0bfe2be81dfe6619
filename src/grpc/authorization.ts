/**
 * envoy.service.auth.v3.Authorization/Check: decode at the edge, decide, encode. Every failure mode that
 * is ours (bad request, overload, deadline, internal error) is answered as a coded CheckResponse deny, never
 * as an RPC error, so Envoy's failure_mode_allow cannot become a bypass.
 */
import type * as grpc from '@grpc/grpc-js';
import { decide } from '../pipeline/decide.js';
import { denyVerdict } from '../pipeline/run.js';
import type { Verdict } from '../pipeline/types.js';
import { newDecisionId } from '../lib/ids.js';
import type { ErrorCode } from '../lib/errors.js';
import { decodeCheckRequest, encodeCheckResponse } from './codec.js';
import type { ServerApp } from './server-app.js';

/** Answer this long before the caller's deadline (10% of the budget, 5 to 50 ms), so the reply arrives in time. */
const MIN_MARGIN_MS = 5;
const MAX_MARGIN_MS = 50;

function deadlineOf(call: grpc.ServerUnaryCall<unknown, unknown>, fallbackMs: number): number {
  const now = Date.now();
  const d = call.getDeadline();
  const at = d instanceof Date ? d.getTime() : typeof d === 'number' ? d : Infinity;
  const budget = Number.isFinite(at) ? at - now : fallbackMs;
  const margin = Math.min(MAX_MARGIN_MS, Math.max(MIN_MARGIN_MS, budget * 0.1));
  return now + Math.min(budget, fallbackMs) - margin;
}

export function authorizationService(app: ServerApp): grpc.UntypedServiceImplementation {
  let inFlight = 0;
  const coded = (code: ErrorCode, reason: string): Verdict => denyVerdict({ id: newDecisionId(), requestId: '' }, code, reason);

  return {
    Check(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const { metrics } = app;
      if (inFlight >= app.maxInFlight) {
        metrics.shed.inc();
        metrics.decisions.inc({ route: '', verdict: 'deny', code: 'server.overloaded' });
        callback(null, encodeCheckResponse(coded('server.overloaded', 'too many checks in flight')));
        return;
      }
      const decoded = decodeCheckRequest(call.request);
      if (!decoded.ok) {
        metrics.decisions.inc({ route: '', verdict: 'deny', code: decoded.code });
        callback(null, encodeCheckResponse(coded(decoded.code, decoded.reason)));
        return;
      }
      const policy = app.policy();
      const deadline = deadlineOf(call, policy.checkTimeoutMs);
      inFlight++;
      metrics.inFlight.inc();
      let answered = false;
      const answer = (v: Verdict, headers?: Readonly<Record<string, string>>) => {
        if (answered) return false;
        answered = true;
        clearTimeout(timer);
        inFlight--;
        metrics.inFlight.dec();
        callback(null, encodeCheckResponse(v, { headers }));
        return true;
      };
      // If a check is still waiting (a key fetch, a slow store) when the deadline nears, answer now.
      const timer = setTimeout(() => {
        if (answer(coded('server.deadline', 'deadline reached while checks were running'))) {
          metrics.decisions.inc({ route: '', verdict: 'deny', code: 'server.deadline' });
        }
      }, Math.max(0, deadline - Date.now()));
      decide(policy, decoded.input, { deadline }).then(
        ({ verdict, req, record }) => {
          if (!answer(verdict, req?.headers)) record.degraded = [...(record.degraded ?? []), 'answered late: server.deadline sent'];
          app.record(record, req);
          const verdictLabel = verdict.allow ? 'allow' : 'deny';
          metrics.decisions.inc({ route: verdict.route, verdict: verdictLabel, code: verdict.code ?? (verdict.shadowDenied ? 'shadow' : 'ok') });
          metrics.checkLatency.observe({ route: verdict.route, verdict: verdictLabel }, record.latencyUs / 1e6);
          for (const c of verdict.checks) metrics.checkStepLatency.observe({ kind: c.kind }, c.ms / 1000);
          if (verdict.shadowDenied) metrics.shadowDenials.inc({ route: verdict.route, code: verdict.shadowDenied.code });
        },
        (err: unknown) => {
          const v = coded('server.internal', 'internal error');
          app.logger.error({ err: err instanceof Error ? err.message : String(err), decision_id: v.metadata.decision_id }, 'check failed internally');
          metrics.decisions.inc({ route: '', verdict: 'deny', code: 'server.internal' });
          answer(v);
        },
      );
    },
  };
}
